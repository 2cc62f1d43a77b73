# MobileViT-XXS on ImageNet-1k, 256x256 crops, inputs only scaled to [0, 1] as the original.
_base_ = [
    '../_base_/models/mobilevit/mobilevit_xxs.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/imagenet_bs256.py',
]

# The original implementation feeds BGR images scaled to [0, 1] without mean/std normalisation.
data_preprocessor = dict(mean=[0, 0, 0], std=[255, 255, 255], to_rgb=False)

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=288, edge='short'),
    dict(type='CenterCrop', crop_size=256),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(batch_size=128)

val_dataloader = dict(batch_size=128, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
