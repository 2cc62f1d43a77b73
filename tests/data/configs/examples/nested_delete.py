# `_delete_` below the top level: the head is replaced, the rest of the model merges.
_base_ = '../_base_/models/resnet50.py'

model = dict(
    backbone=dict(depth=101),
    head=dict(_delete_=True, type='StackedLinearClsHead', num_classes=10, in_channels=2048,
              mid_channels=[512]))
