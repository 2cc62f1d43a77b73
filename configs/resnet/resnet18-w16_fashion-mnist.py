# A small ResNet for Fashion-MNIST: ResNet-18 with the CIFAR stem (3x3 conv, no max-pool) and a
# quarter of the width (16-32-64-128 channels, 0.7 M parameters) on the 28x28 grey images.
# Data: data/fashion-mnist when that folder exists, else /usr/share/datasets/fashion-mnist.
import os.path as osp

_base_ = ['../_base_/models/resnet18_cifar.py', '../_base_/default_runtime.py']

# model settings: the CIFAR ResNet-18 on one input channel, at a quarter of the width
model = dict(
    backbone=dict(in_channels=1, stem_channels=16, base_channels=16),
    head=dict(in_channels=128))

# dataset settings
fashion_mnist_root = ('/usr/share/datasets/fashion-mnist'
                      if not osp.isdir('data/fashion-mnist')
                      and osp.isdir('/usr/share/datasets/fashion-mnist') else 'data/fashion-mnist')
dataset_type = 'FashionMNIST'
data_preprocessor = dict(mean=[72.94], std=[90.02], num_classes=10)

train_pipeline = [
    dict(type='RandomCrop', crop_size=28, padding=2),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]
test_pipeline = [dict(type='PackClsInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(type=dataset_type, data_prefix=fashion_mnist_root, test_mode=False,
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    dataset=dict(type=dataset_type, data_prefix=fashion_mnist_root, test_mode=True,
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator

# schedule: SGD with cosine decay over 15 epochs
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=15, eta_min=0.)
train_cfg = dict(by_epoch=True, max_epochs=15, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)

# runtime settings
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    visualization=dict(type='VisualizationHook', enable=False, rescale_factor=8.))
