# LeViT-192 on ImageNet-1k (224px, 8 GPUs x 256 images).
_base_ = [
    '../_base_/models/levit/levit-256-p16.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs2048_adamw_levit.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(arch='192'), head=dict(in_channels=384))

train_dataloader = dict(batch_size=256)
