# ImageNet at 336px for EVA: the 196px settings (CLIP normalisation, bicubic PIL crops,
# RandAugment and random erasing, 16 images per GPU) with 336px crops; test on the 336 centre
# crop of the 336-short-edge image.
_base_ = ['./imagenet_bs16_eva_196.py']

train_pipeline = [
    dict(step, scale=336) if step.type == 'RandomResizedCrop' else step
    for step in _base_.train_pipeline
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=336, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=336),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
