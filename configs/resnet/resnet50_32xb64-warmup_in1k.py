# ResNet-50, 32 GPUs x 64 images, with the linear warm-up of the 2048-batch schedule.
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/imagenet_bs64.py',
    '../_base_/schedules/imagenet_bs2048.py',
    '../_base_/default_runtime.py',
]
