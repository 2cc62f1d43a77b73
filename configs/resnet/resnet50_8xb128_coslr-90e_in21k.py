# ResNet-50 on ImageNet-21k (21843 classes), 8 GPUs x 128 images, 90 epochs of cosine decay.
_base_ = [
    '../_base_/models/resnet50.py',
    '../_base_/datasets/imagenet21k_bs128.py',
    '../_base_/schedules/imagenet_bs1024_coslr.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=21843))
train_cfg = dict(by_epoch=True, max_epochs=90)
