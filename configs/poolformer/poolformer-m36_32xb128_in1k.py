# PoolFormer-M36 on ImageNet-1k: 32 GPUs x 128 images, AdamW lr 4e-3, cosine decay.
_base_ = [
    '../_base_/models/poolformer/poolformer_m36.py',
    '../_base_/datasets/imagenet_bs128_poolformer_medium_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

optim_wrapper = dict(optimizer=dict(lr=4e-3))

# automatically scale the learning rate by the actual batch size (base: 32 GPUs x 128 images)
auto_scale_lr = dict(base_batch_size=4096)
