# HRNet-W18 on ImageNet-1k: 4 GPUs x 32 images, SGD with cosine decay over 100 epochs.
_base_ = [
    '../_base_/models/hrnet/hrnet-w18.py',
    '../_base_/datasets/imagenet_bs32_pil_resize.py',
    '../_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/default_runtime.py'
]

# automatically scale the learning rate by the actual batch size (base: 4 GPUs x 32 images)
auto_scale_lr = dict(base_batch_size=128)
