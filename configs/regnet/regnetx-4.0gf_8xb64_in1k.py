# RegNetX-4.0GF: the RegNetX-400MF recipe with this width and 8 GPUs x 64 images.
_base_ = './regnetx-400mf_8xb128_in1k.py'

model = dict(backbone=dict(arch='regnetx_4.0gf'), head=dict(in_channels=1360))

train_dataloader = dict(batch_size=64)
optim_wrapper = dict(optimizer=dict(lr=0.4))

# base_batch_size = (8 GPUs) x (64 samples per GPU)
auto_scale_lr = dict(base_batch_size=512)
