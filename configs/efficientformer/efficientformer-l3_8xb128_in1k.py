# EfficientFormer-L3 on ImageNet-1k (224px, 8 GPUs x 128 images); inference config for the
# converted checkpoint (trained with distillation upstream).
_base_ = [
    '../_base_/models/efficientformer/efficientformer-l3.py',
    '../_base_/datasets/imagenet_bs128_poolformer_small_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]
