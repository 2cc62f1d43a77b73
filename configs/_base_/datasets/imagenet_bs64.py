# ImageNet, 64 images per GPU: the settings of imagenet_bs32.py with twice the batch.
_base_ = ['./imagenet_bs32.py']

train_dataloader = dict(batch_size=64)
val_dataloader = dict(batch_size=64)
test_dataloader = val_dataloader
