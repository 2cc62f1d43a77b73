# SGD for a total batch of 1024: 5 warm-up epochs from a tenth of the rate, then cosine decay
# over the remaining 95 epochs.
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=5e-5))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5),
    dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100),
]

train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# the learning rate above is for a total batch of 1024 images
auto_scale_lr = dict(base_batch_size=1024)
