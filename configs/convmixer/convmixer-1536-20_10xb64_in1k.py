# ConvMixer-1536/20 on ImageNet-1k: 10 GPUs x 64 images, AdamW lr 0.01 with gradient clipping,
# 300 epochs.
_base_ = [
    '../_base_/models/convmixer/convmixer-1536-20.py',
    '../_base_/datasets/imagenet_bs64_convmixer_224.py',
    '../_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../_base_/default_runtime.py',
]

optim_wrapper = dict(optimizer=dict(lr=0.01), clip_grad=dict(max_norm=5.0))

train_cfg = dict(by_epoch=True, max_epochs=300)

# automatically scale the learning rate by the actual batch size (base: 10 GPUs x 64 images)
auto_scale_lr = dict(base_batch_size=640)
