# RevViT-Base on ImageNet-1k (224px, 8 GPUs x 256 images), AdamW with the Swin/DeiT recipe.
_base_ = [
    '../_base_/models/revvit/revvit-base.py',
    '../_base_/datasets/imagenet_bs64_swin_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

train_dataloader = dict(batch_size=256)
optim_wrapper = dict(optimizer=dict(lr=5e-4 * 2048 / 512), clip_grad=dict(max_norm=5.0))
auto_scale_lr = dict(base_batch_size=2048)
