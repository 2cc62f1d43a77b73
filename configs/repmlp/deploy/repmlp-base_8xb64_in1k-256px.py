# Deploy form of repmlp-base_8xb64_in1k-256px: local conv branches and batch norms folded into the FC layers.
_base_ = '../repmlp-base_8xb64_in1k-256px.py'

model = dict(backbone=dict(deploy=True))
