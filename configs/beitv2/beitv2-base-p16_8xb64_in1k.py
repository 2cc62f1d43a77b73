# BEiT v2-Base (patch 16) fine-tuned on ImageNet-1k (8 GPUs x 64 images).
_base_ = [
    '../_base_/models/beit-base-p16.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py'
]
