# MixMIM-Base fine-tuned on ImageNet-1k (224px, 8 GPUs x 64 images); inference config for the
# converted checkpoint, AdamW with the Swin recipe for training.
_base_ = [
    '../_base_/models/mixmim/mixmim_base.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]
