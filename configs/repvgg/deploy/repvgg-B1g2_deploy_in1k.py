# RepVGG-B1g2 in its re-parameterised inference form (one 3x3 conv per block); load weights
# converted by tools/model_converters/reparameterize_model.py.
_base_ = '../repvgg-B1g2_8xb32_in1k.py'

model = dict(backbone=dict(deploy=True))
