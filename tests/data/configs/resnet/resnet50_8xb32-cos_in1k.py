# Cosine schedule replacing the base MultiStepLR (seed L1172-1178).
# The seed writes the base as '../configs/resnet/resnet50_8xb32_in1k.py' from a
# folder next to configs/; here the file sits beside its base.
_base_ = './resnet50_8xb32_in1k.py'

param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, _delete_=True)
