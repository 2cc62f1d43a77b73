# `{{_base_.xxx}}` with a dotted path through a list index, inside containers.
_base_ = '../_base_/datasets/imagenet_bs32.py'

first_step = {{_base_.train_pipeline.1}}
steps = [{{_base_.train_pipeline.0}}, dict(nested={{_base_.val_evaluator.topk}})]
mean = '{{_base_.data_preprocessor.mean}}'
