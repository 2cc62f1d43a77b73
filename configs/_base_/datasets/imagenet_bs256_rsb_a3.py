# ImageNet for the "ResNet strikes back" A3 recipe: the A1/A2 settings (timm-style augmentation,
# 256 images per GPU) with 160px training crops and RandAugment magnitude 6; same test pipeline.
_base_ = ['./imagenet_bs256_rsb_a12.py']

# what A3 changes in each training step, by transform type
_a3_changes = dict(RandomResizedCrop=dict(scale=160), RandAugment=dict(magnitude_level=6))
train_pipeline = [dict(step, **_a3_changes.get(step.type, {})) for step in _base_.train_pipeline]

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
