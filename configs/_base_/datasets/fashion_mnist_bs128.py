# Fashion-MNIST: the MNIST settings (28x28 grey images resized to the 32x32 input of LeNet-5)
# with the Fashion-MNIST files and normalisation.
_base_ = ['./mnist_bs128.py']

dataset_type = 'FashionMNIST'
data_preprocessor = dict(mean=[72.94], std=[90.02])

common_data_cfg = dict(type=dataset_type, data_prefix='data/fashion-mnist')

train_dataloader = dict(dataset=common_data_cfg)
val_dataloader = dict(dataset=common_data_cfg)
test_dataloader = val_dataloader
