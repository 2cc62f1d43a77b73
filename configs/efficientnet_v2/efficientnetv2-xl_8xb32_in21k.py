_base_ = [
    '../_base_/models/efficientnet_v2/efficientnetv2_xl.py',
    '../_base_/datasets/imagenet21k_bs128.py',
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
]

# model setting
model = dict(head=dict(num_classes=21843))

# dataset settings: the converted weights expect inputs scaled to [-1, 1]
data_preprocessor = dict(
    num_classes=21843,
    mean=[127.5, 127.5, 127.5],
    std=[127.5, 127.5, 127.5],
    to_rgb=True,
)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='EfficientNetRandomCrop', scale=224, crop_padding=0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='EfficientNetCenterCrop', crop_size=224, crop_padding=0),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
