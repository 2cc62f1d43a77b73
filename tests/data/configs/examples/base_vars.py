# Plain-Python access to the bases through `_base_` (MMEngine style).
import math

_base_ = '../resnet/resnet50_8xb32_in1k.py'

_crop = 288  # private helper: not a config key


def _double(value):
    return 2 * value


def helper(value):  # functions are not config keys either
    return value


train_pipeline = _base_.train_pipeline
train_pipeline[1]['scale'] = _crop
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(backbone=dict(depth=_double(_base_.model.backbone.depth) + 1))
max_lr = _base_.optim_wrapper.optimizer.lr * math.sqrt(4)
_base_.default_hooks.logger.interval = 10  # edit a base value in place
