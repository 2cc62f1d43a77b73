# Twins-PCPVT-Large: the base recipe with the large arch, 16 GPUs x 64 images.
_base_ = ['twins-pcpvt-base_8xb128_in1k.py']

model = dict(backbone=dict(arch='large'))

train_dataloader = dict(batch_size=64)
