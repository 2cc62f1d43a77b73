# Swin-Base trained on ImageNet-1k (16 GPUs x 64 images, AdamW, 300 epochs).
_base_ = [
    '../_base_/models/swin_transformer/base_224.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py'
]

# schedule settings
optim_wrapper = dict(clip_grad=dict(max_norm=5.0))
