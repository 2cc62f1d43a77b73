# ImageNet at 384px, 64 images per GPU, the DeiT III recipe: the 384px Swin/DeiT training settings
# (bicubic PIL crops, RandAugment and random erasing); test on the 384 centre crop of the
# 384-short-edge image (crop ratio 1.0).
_base_ = ['./imagenet_bs64_swin_384.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=384, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=384),
    dict(type='PackClsInputs'),
]

val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
