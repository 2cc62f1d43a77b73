# RepMLPNet-B on ImageNet-1k (224px, 8 GPUs x 64 images); inference config for the converted
# checkpoint.
_base_ = [
    '../_base_/models/repmlp/repmlp-base_224.py',
    '../_base_/datasets/imagenet_bs64_pil_resize.py',
    '../_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/default_runtime.py',
]
