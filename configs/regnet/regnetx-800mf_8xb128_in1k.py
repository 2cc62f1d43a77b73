# RegNetX-800mf: the RegNetX-400MF recipe with this width.
_base_ = './regnetx-400mf_8xb128_in1k.py'

model = dict(backbone=dict(arch='regnetx_800mf'), head=dict(in_channels=672))
