# ImageNet at 256x256 (Swin V2), 64 images per GPU: the Swin training settings (bicubic PIL crops,
# RandAugment and random erasing) with 256px crops; test on a 256 centre crop of the
# 292-short-edge image.
_base_ = ['./imagenet_bs64_swin_224.py']

train_pipeline = [
    dict(step, scale=256) if step.type == 'RandomResizedCrop' else step
    for step in _base_.train_pipeline
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=292, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=256),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
