# ResNet-50, 32 GPUs x 64 images: 5 warm-up epochs, then cosine decay (100 epochs in all).
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/imagenet_bs64.py',
    '../_base_/schedules/imagenet_bs2048_coslr.py',
    '../_base_/default_runtime.py',
]
