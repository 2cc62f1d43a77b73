# TinyViT-11M distilled from an ImageNet-21k teacher, fine-tuned on ImageNet-1k at 224x224.
_base_ = [
    '../_base_/datasets/imagenet_bs32_pil_bicubic.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
    '../_base_/models/tinyvit/tinyvit-11m.py',
]
