# ImageNet at 384x384, 64 images per GPU, the Swin/DeiT fine-tuning recipe: the 224px training
# settings (bicubic PIL crops, RandAugment and random erasing) with 384px crops; test on the image
# resized to 384x384.
_base_ = ['./imagenet_bs64_swin_224.py']

train_pipeline = [
    dict(step, scale=384) if step.type == 'RandomResizedCrop' else step
    for step in _base_.train_pipeline
]

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=384, backend='pillow', interpolation='bicubic'),
    dict(type='PackClsInputs'),
]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
