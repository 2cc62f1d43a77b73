# ImageNet at 224x224, 64 images per GPU, the T2T-ViT recipe: the Swin/DeiT training pipeline,
# tested on a 248-short-edge bicubic resize and a 224 centre crop.
_base_ = ['./imagenet_bs64_swin_224.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=248, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]

val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
