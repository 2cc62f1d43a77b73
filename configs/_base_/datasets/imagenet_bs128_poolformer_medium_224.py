# ImageNet for PoolFormer-medium: 128 images per GPU, the Swin/DeiT training recipe (bicubic crops,
# RandAugment, random erasing); test on a 224 centre crop of the 236-short-edge image
# (crop ratio 0.95).
_base_ = ['./imagenet_bs64_swin_224.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=236, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
