# ResNet-50 trained with mixed precision and a dynamic loss scale.
_base_ = ['./resnet50_8xb32_in1k.py']

optim_wrapper = dict(type='AmpOptimWrapper', loss_scale='dynamic')
