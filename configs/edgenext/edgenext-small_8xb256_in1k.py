# EdgeNeXt-small on ImageNet-1k at 256px: 8 GPUs x 256 images, AdamW lr 6e-3, EMA weights.
_base_ = [
    '../_base_/models/edgenext/edgenext-small.py',
    '../_base_/datasets/imagenet_bs64_edgenext_256.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=256)

optim_wrapper = dict(optimizer=dict(lr=6e-3), clip_grad=dict(max_norm=5.0))

custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]

# automatically scale the learning rate by the actual batch size (base: 8 GPUs x 256 images)
auto_scale_lr = dict(base_batch_size=2048)
