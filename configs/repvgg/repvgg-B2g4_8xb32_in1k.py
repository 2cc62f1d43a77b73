# RepVGG-B2g4 on ImageNet-1k: the RepVGG-B3 recipe with the B2g4 architecture.
_base_ = './repvgg-B3_8xb32_in1k.py'

model = dict(backbone=dict(arch='B2g4'))
