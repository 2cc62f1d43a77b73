# RepVGG-B3g4 on ImageNet-1k: the RepVGG-B3 recipe with the B3g4 architecture.
_base_ = './repvgg-B3_8xb32_in1k.py'

model = dict(backbone=dict(arch='B3g4'))
