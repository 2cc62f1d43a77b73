# HorNet-tiny on ImageNet-1k: 8 GPUs x 128 images, AdamW lr 4e-3, gradient clipping, EMA.
_base_ = [
    '../_base_/models/hornet/hornet-tiny.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=128)

# no weight decay on the layer-scale parameters
optim_wrapper = dict(
    optimizer=dict(lr=4e-3),
    clip_grad=dict(max_norm=5.0),
    paramwise_cfg=dict(custom_keys={'.gamma': dict(decay_mult=0.0)}))

custom_hooks = [dict(type='EMAHook', momentum=4e-5, priority='ABOVE_NORMAL')]

# automatically scale the learning rate by the actual batch size (base: 8 GPUs x 128 images)
auto_scale_lr = dict(base_batch_size=1024)
