# ResNet-50 with cosine decay, re-estimating the BatchNorm statistics on 8192 training images
# after every epoch (precise BN) before it is validated.
_base_ = 'resnet50_8xb32-coslr_in1k.py'

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=8192, interval=1, priority='ABOVE_NORMAL'),
]
