# DeiT-Tiny with a distillation token (weights converted from the official release).
_base_ = './deit-small_pt-4xb256_in1k.py'

model = dict(
    backbone=dict(type='DistilledVisionTransformer', arch='deit-tiny'),
    head=dict(type='DeiTClsHead', in_channels=192))
