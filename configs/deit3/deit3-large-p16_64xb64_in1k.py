# DeiT III-Large (patch 16) on ImageNet-1k at 224px (64 GPUs x 64 images).
_base_ = [
    '../_base_/models/deit3/deit3-large-p16-224.py',
    '../_base_/datasets/imagenet_bs64_deit3_224.py',
    '../_base_/schedules/imagenet_bs4096_AdamW.py',
    '../_base_/default_runtime.py'
]

# schedule settings
optim_wrapper = dict(clip_grad=dict(max_norm=1.0))
