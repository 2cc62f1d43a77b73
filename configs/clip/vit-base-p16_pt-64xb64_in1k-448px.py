# CLIP ViT-B/16 fine-tuned on ImageNet-1k at 448 pixels (pre-norm transformer, AdamW for a total
# batch of 4096, gradients clipped at norm 1).
_base_ = [
    '../_base_/models/vit-base-p16.py',
    '../_base_/datasets/imagenet_bs64_clip_448.py',
    '../_base_/schedules/imagenet_bs4096_AdamW.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(pre_norm=True))
optim_wrapper = dict(clip_grad=dict(max_norm=1.0))
