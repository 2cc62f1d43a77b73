# DeiT-Base with a distillation token (weights converted from the official release).
_base_ = './deit-base_pt-16xb64_in1k.py'

model = dict(
    backbone=dict(type='DistilledVisionTransformer', arch='deit-base'),
    head=dict(type='DeiTClsHead', in_channels=768))
