# ResNeSt-269, 64 GPUs x 32 images: the ResNeSt-50 recipe at a 416-pixel crop (train and test).
_base_ = ['./resnest50_32xb64_in1k.py']

# the backbone of ../_base_/models/resnest269.py
model = dict(backbone=dict(depth=269, stem_channels=128))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandAugment', policies={{_base_.policies}}, num_policies=2, magnitude_level=12),
    dict(type='EfficientNetRandomCrop', scale=416, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='Lighting', eigval={{_base_.EIGVAL}}, eigvec={{_base_.EIGVEC}}, alphastd=0.1,
         to_rgb=False),
    dict(type='PackClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='EfficientNetCenterCrop', crop_size=416, backend='pillow'),
    dict(type='PackClsInputs'),
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
