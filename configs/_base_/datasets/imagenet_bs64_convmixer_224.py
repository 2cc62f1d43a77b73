# ImageNet for ConvMixer: 64 images per GPU, the Swin/DeiT training recipe (bicubic crops,
# RandAugment, random erasing); test on a 224 centre crop of the 233-short-edge image
# (crop ratio 0.96).
_base_ = ['./imagenet_bs64_swin_224.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=233, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]

val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
