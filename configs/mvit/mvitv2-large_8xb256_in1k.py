# MViTv2-Large on ImageNet-1k (224px, 8 GPUs x 256 images), AdamW with gradient clipping.
_base_ = [
    '../_base_/models/mvit/mvitv2-large.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=256)
val_dataloader = dict(batch_size=256)
test_dataloader = dict(batch_size=256)

optim_wrapper = dict(
    optimizer=dict(lr=2.5e-4 * 2048 / 512),
    paramwise_cfg=dict(custom_keys={
        '.pos_embed': dict(decay_mult=0.0),
        '.rel_pos_h': dict(decay_mult=0.0),
        '.rel_pos_w': dict(decay_mult=0.0)
    }),
    clip_grad=dict(max_norm=1.0))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=70, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=70)
]

auto_scale_lr = dict(base_batch_size=2048)
