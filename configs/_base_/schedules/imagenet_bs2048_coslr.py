# SGD (Nesterov) for a total batch of 2048: 5 warm-up epochs from a quarter of the rate, then
# cosine decay over the remaining 95 epochs.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=0.0001, nesterov=True))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.25, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=95, by_epoch=True, begin=5, end=100),
]

train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# the learning rate above is for a total batch of 2048 images
auto_scale_lr = dict(base_batch_size=2048)
