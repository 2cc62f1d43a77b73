# PViG-tiny on ImageNet-1k (224px, 8 GPUs x 128 images); inference config for the converted
# checkpoint.
_base_ = [
    '../_base_/models/vig/pyramid_vig_tiny.py',
    '../_base_/datasets/imagenet_bs128_vig_224.py',
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
]
