# BEiT-Base (patch 16) fine-tuned on ImageNet-1k (8 GPUs x 64 images); inputs scaled to [-1, 1].
_base_ = [
    '../_base_/models/beit-base-p16.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py'
]

# dataset settings: BEiT normalises with mean = std = 127.5
data_preprocessor = dict(num_classes=1000, mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5])
