# LeNet-5 on the full Fashion-MNIST (60k train / 10k test, 28x28 grey).
# The idx files are read from data/fashion-mnist when that folder exists, else from the system copy
# of the Debian package dataset-fashion-mnist; with neither, they are downloaded to data/fashion-mnist.
import os.path as osp

_base_ = [
    '../_base_/models/lenet5.py', '../_base_/datasets/fashion_mnist_bs128.py',
    '../_base_/schedules/mnist_bs128.py', '../_base_/default_runtime.py'
]

fashion_mnist_root = ('/usr/share/datasets/fashion-mnist'
                      if not osp.isdir('data/fashion-mnist')
                      and osp.isdir('/usr/share/datasets/fashion-mnist') else 'data/fashion-mnist')
# The images are in memory and the pipeline costs ~0.1 ms per image: loading in the main process
# is faster than worker processes, whose per-sample tensor hand-over costs more than that.
train_dataloader = dict(num_workers=0, dataset=dict(data_prefix=fashion_mnist_root))
val_dataloader = dict(num_workers=0, dataset=dict(data_prefix=fashion_mnist_root))
test_dataloader = val_dataloader

# schedule: 20 epochs, the learning rate divided by 10 after epoch 15
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[15], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)

# runtime settings
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=150),
    visualization=dict(type='VisualizationHook', enable=False, rescale_factor=8.))
