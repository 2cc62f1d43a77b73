# Swin-Large at 384px (window 12) on ImageNet-1k (weights pre-trained on ImageNet-21k).
_base_ = [
    '../_base_/models/swin_transformer/large_384.py',
    '../_base_/datasets/imagenet_bs64_swin_384.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py'
]

# schedule settings
optim_wrapper = dict(clip_grad=dict(max_norm=5.0))
