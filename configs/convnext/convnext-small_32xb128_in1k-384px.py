# ConvNeXt-S on ImageNet-1k at 384px: 32 GPUs x 128 images, AdamW lr 4e-3, EMA weights.
_base_ = [
    '../_base_/models/convnext/convnext-small.py',
    '../_base_/datasets/imagenet_bs64_swin_384.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

# dataset setting
train_dataloader = dict(batch_size=128)

# schedule setting
optim_wrapper = dict(
    optimizer=dict(lr=4e-3),
    clip_grad=None,
)

# runtime setting
custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]

# automatically scale the learning rate by the actual batch size
# (base: 32 GPUs x 128 images = 4096)
auto_scale_lr = dict(base_batch_size=4096)
