# RepVGG-D2se on ImageNet-1k: the RepVGG-B3 recipe with the D2se architecture.
_base_ = './repvgg-B3_8xb32_in1k.py'

model = dict(backbone=dict(arch='D2se'))
