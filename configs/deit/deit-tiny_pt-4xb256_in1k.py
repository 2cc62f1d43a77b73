# DeiT-Tiny: DeiT-Small's recipe with the tiny architecture.
_base_ = './deit-small_pt-4xb256_in1k.py'

model = dict(backbone=dict(arch='deit-tiny'), head=dict(in_channels=192))
