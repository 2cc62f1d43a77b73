# Cosine schedule replacing the base MultiStepLR.
# The file sits beside its base, so the base path is relative to this folder.
_base_ = './resnet50_8xb32_in1k.py'

param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, _delete_=True)
