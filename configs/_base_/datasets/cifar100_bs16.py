# CIFAR-100: the CIFAR-10 settings (random crop with padding and flip, 16 images per GPU) with the
# CIFAR-100 files, classes and normalisation.
_base_ = ['./cifar10_bs16.py']

dataset_type = 'CIFAR100'
data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418])

train_dataloader = dict(dataset=dict(type=dataset_type, data_prefix='data/cifar100'))
val_dataloader = dict(dataset=dict(type=dataset_type, data_prefix='data/cifar100'))
test_dataloader = val_dataloader
