# RepVGG-A1 on ImageNet-1k: the RepVGG-A0 recipe with the A1 architecture.
_base_ = './repvgg-A0_8xb32_in1k.py'

model = dict(backbone=dict(arch='A1'))
