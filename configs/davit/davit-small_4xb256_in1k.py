# DaViT-Small on ImageNet-1k (224px, 4 GPUs x 256 images); inference config for the converted
# checkpoint, AdamW with the Swin recipe for training.
_base_ = [
    '../_base_/models/davit/davit-small.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=256)
val_dataloader = dict(batch_size=256)
test_dataloader = dict(batch_size=256)
