"""The ``init_cfg`` most convolutional backbones default to."""

# Kaiming-initialised convolutions, norms with unit weight and zero bias.
CONV_NORM_INIT_CFG = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]

__all__ = ['CONV_NORM_INIT_CFG']
