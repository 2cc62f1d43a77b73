# Twins-SVT-Large: the base recipe with the large arch, 16 GPUs x 64 images.
_base_ = ['twins-svt-base_8xb128_in1k.py']

model = dict(backbone=dict(arch='large'), head=dict(in_channels=1024))

train_dataloader = dict(batch_size=64)
