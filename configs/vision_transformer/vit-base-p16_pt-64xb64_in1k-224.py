# ViT-B/16 pre-trained from scratch on ImageNet-1k, 64 GPUs x 64 images: AutoAugment, Mixup (alpha
# 0.2), a pre-logits layer of 3072 in the head, AdamW, gradients clipped at norm 1.
_base_ = [
    '../_base_/models/vit-base-p16.py',
    '../_base_/datasets/imagenet_bs64_pil_resize_autoaug.py',
    '../_base_/schedules/imagenet_bs4096_AdamW.py',
    '../_base_/default_runtime.py',
]

model = dict(
    head=dict(hidden_dim=3072),
    train_cfg=dict(augments=dict(type='Mixup', alpha=0.2)),
)
optim_wrapper = dict(clip_grad=dict(max_norm=1.0))
