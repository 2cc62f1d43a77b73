"""Convolution layers by config name (``conv_cfg=None`` means ``nn.Conv2d``)."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from .helpers import resolve_layer_type


@MODELS.register_module()
class Conv2dAdaptivePadding(nn.Conv2d):
    """Conv2d with TensorFlow-style 'SAME' padding computed from the input size at run time."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros'):
        # the padding is computed in forward, so the conv itself pads nothing
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias,
                         padding_mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        in_h, in_w = x.shape[-2:]
        pad = []
        for size, k, s, d in zip((in_h, in_w), self.weight.shape[-2:], self.stride, self.dilation):
            out = math.ceil(size / s)
            pad.append(max((out - 1) * s + (k - 1) * d + 1 - size, 0))
        pad_h, pad_w = pad
        if pad_h or pad_w:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)


CONV_LAYERS = {
    'Conv1d': nn.Conv1d,
    'Conv2d': nn.Conv2d,
    'Conv3d': nn.Conv3d,
    'Conv': nn.Conv2d,
    'Conv2dAdaptivePadding': Conv2dAdaptivePadding,
}


def build_conv_layer(cfg: Optional[dict], *args, **kwargs) -> nn.Module:
    """Build a convolution layer; ``cfg=None`` gives ``nn.Conv2d(*args, **kwargs)``."""
    if cfg is None:
        cfg = dict(type='Conv2d')
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'conv cfg must be None or a dict with a "type" key, got {cfg!r}')
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    conv_cls = resolve_layer_type('conv', CONV_LAYERS, layer_type)
    return conv_cls(*args, **kwargs, **cfg)


__all__ = ['Conv2dAdaptivePadding', 'CONV_LAYERS', 'build_conv_layer']
