# ConvNeXt V2-huge fine-tuned on ImageNet-1k at 512px: 32 GPUs x 32 images, AdamW, EMA.
_base_ = [
    '../_base_/models/convnext_v2/huge.py',
    '../_base_/datasets/imagenet_bs64_swin_384.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

# 512px pipelines on top of the 384px dataset settings
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=512, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=512, backend='pillow', interpolation='bicubic'),
    dict(type='PackClsInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

# dataset setting
train_dataloader = dict(batch_size=32)

# schedule setting
optim_wrapper = dict(
    optimizer=dict(lr=8e-4, weight_decay=0.3),
    clip_grad=None,
)

# learning policy: 40 warm-up epochs, cosine decay to 300
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=40, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=260, by_epoch=True, begin=40, end=300)
]
train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=1)

# runtime setting
custom_hooks = [dict(type='EMAHook', momentum=1e-4, priority='ABOVE_NORMAL')]

# automatically scale the learning rate by the actual batch size (base: 32 GPUs x 32 images)
auto_scale_lr = dict(base_batch_size=1024)
