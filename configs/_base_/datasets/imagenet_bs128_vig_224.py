# ImageNet, 128 images per GPU, the Vision GNN recipe: the Swin/DeiT training settings (bicubic
# PIL crops, RandAugment and random erasing); test on a 224 centre crop of the 248-short-edge image
# (crop ratio 0.9).
_base_ = ['./imagenet_bs64_swin_224.py']

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=248, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
