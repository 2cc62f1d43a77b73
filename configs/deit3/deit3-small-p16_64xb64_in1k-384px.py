# DeiT III-Small (patch 16) on ImageNet-1k at 384px (64 GPUs x 64 images).
_base_ = [
    '../_base_/models/deit3/deit3-small-p16-384.py',
    '../_base_/datasets/imagenet_bs64_deit3_384.py',
    '../_base_/schedules/imagenet_bs4096_AdamW.py',
    '../_base_/default_runtime.py'
]

# schedule settings
optim_wrapper = dict(clip_grad=dict(max_norm=1.0))
