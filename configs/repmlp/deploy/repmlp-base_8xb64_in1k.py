# Deploy form of repmlp-base_8xb64_in1k: local conv branches and batch norms folded into the FC layers.
_base_ = '../repmlp-base_8xb64_in1k.py'

model = dict(backbone=dict(deploy=True))
