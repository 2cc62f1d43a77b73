_base_ = [
    '../_base_/models/lenet5.py', '../_base_/datasets/fashion_mnist_bs128.py',
    '../_base_/schedules/mnist_bs128.py', '../_base_/default_runtime.py'
]

# dataset settings: the Fashion-MNIST idx files (installed by dataset-fashion-mnist)
train_dataloader = dict(dataset=dict(data_prefix='/usr/share/datasets/fashion-mnist'))
val_dataloader = dict(dataset=dict(data_prefix='/usr/share/datasets/fashion-mnist'))
test_dataloader = val_dataloader

# runtime settings
default_hooks = dict(logger=dict(type='LoggerHook', interval=150))
