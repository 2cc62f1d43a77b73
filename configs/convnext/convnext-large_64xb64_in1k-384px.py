# ConvNeXt-L on ImageNet-1k at 384px: 64 GPUs x 64 images, AdamW lr 4e-3, EMA weights.
_base_ = [
    '../_base_/models/convnext/convnext-large.py',
    '../_base_/datasets/imagenet_bs64_swin_384.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

# dataset setting
train_dataloader = dict(batch_size=64)

# schedule setting
optim_wrapper = dict(
    optimizer=dict(lr=4e-3),
    clip_grad=None,
)

# runtime setting
custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]

# automatically scale the learning rate by the actual batch size
# (base: 64 GPUs x 64 images = 4096)
auto_scale_lr = dict(base_batch_size=4096)
