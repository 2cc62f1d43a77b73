# RegNetX-1.6GF: the RegNetX-400MF recipe with this width.
_base_ = './regnetx-400mf_8xb128_in1k.py'

model = dict(backbone=dict(arch='regnetx_1.6gf'), head=dict(in_channels=912))
