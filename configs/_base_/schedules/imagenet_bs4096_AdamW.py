# AdamW for a total batch of 4096 (ViT recipe): 30 warm-up epochs, cosine decay to 300.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=0.003, weight_decay=0.3),
    paramwise_cfg=dict(custom_keys={
        '.cls_token': dict(decay_mult=0.0),
        '.pos_embed': dict(decay_mult=0.0)
    }),
    clip_grad=dict(max_norm=1.0),
)

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=30,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=270, by_epoch=True, begin=30, end=300)
]

train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# automatically scale the learning rate by the actual batch size (base: 4096 = 64 GPUs x 64)
auto_scale_lr = dict(base_batch_size=4096)
