# DeiT-Base with a distillation token, fine-tuned at 384x384 (converted weights).
_base_ = './deit-base_ft-16xb32_in1k-384px.py'

model = dict(
    backbone=dict(type='DistilledVisionTransformer'),
    head=dict(type='DeiTClsHead'))
