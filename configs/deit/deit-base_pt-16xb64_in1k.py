# DeiT-Base: DeiT-Small's recipe with the base architecture, 16 GPUs x 64 images.
_base_ = './deit-small_pt-4xb256_in1k.py'

model = dict(backbone=dict(arch='deit-base', drop_path_rate=0.1), head=dict(in_channels=768))

train_dataloader = dict(batch_size=64)
