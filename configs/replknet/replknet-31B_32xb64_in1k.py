# RepLKNet-31B on ImageNet-1k at 224px: 32 GPUs x 64 images, SGD, cosine decay over 300 epochs.
_base_ = [
    '../_base_/models/replknet-31B_in1k.py',
    '../_base_/datasets/imagenet_bs32_pil_bicubic.py',
    '../_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/default_runtime.py'
]

# schedule settings
param_scheduler = dict(type='CosineAnnealingLR', T_max=300, by_epoch=True, begin=0, end=300)
train_cfg = dict(by_epoch=True, max_epochs=300)
