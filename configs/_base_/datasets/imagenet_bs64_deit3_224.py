# ImageNet, 64 images per GPU, the DeiT III recipe: the Swin/DeiT training settings (bicubic PIL
# crops, RandAugment and random erasing); test on the 224 centre crop of the 224-short-edge image
# (crop ratio 1.0).
_base_ = ['./imagenet_bs64_swin_224.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]

val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
