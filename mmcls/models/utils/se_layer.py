"""Squeeze-and-Excitation: reweight channels by a gate computed from their global average."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from .base_module import BaseModule
from .conv_module import ConvModule
from .make_divisible import make_divisible


class SELayer(BaseModule):
    """SE block with two 1x1 ConvModules (``conv1`` squeeze, ``conv2`` excite).

    Args:
        channels: input (and output) channels.
        squeeze_channels: hidden channels; default ``make_divisible(channels // ratio, divisor)``.
        act_cfg: one activation config for both convs, or a pair (squeeze, gate).
        return_weight: return the gate instead of the reweighted input.
    """

    def __init__(self,
                 channels: int,
                 squeeze_channels: Optional[int] = None,
                 ratio: int = 16,
                 divisor: int = 8,
                 bias: Union[bool, str] = 'auto',
                 conv_cfg: Optional[dict] = None,
                 act_cfg: Union[dict, Sequence[dict]] = (dict(type='ReLU'), dict(type='Sigmoid')),
                 return_weight: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if isinstance(act_cfg, dict):
            act_cfg = (act_cfg, act_cfg)
        if len(act_cfg) != 2:
            raise ValueError(f'act_cfg must be a dict or a pair of dicts, got {act_cfg!r}')
        if squeeze_channels is None:
            squeeze_channels = make_divisible(channels // ratio, divisor)
        if not (isinstance(squeeze_channels, int) and squeeze_channels > 0):
            raise ValueError(f'squeeze_channels must be a positive int, got {squeeze_channels!r}')
        self.return_weight = return_weight
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, squeeze_channels, 1, bias=bias, conv_cfg=conv_cfg,
                                act_cfg=act_cfg[0])
        self.conv2 = ConvModule(squeeze_channels, channels, 1, bias=bias, conv_cfg=conv_cfg,
                                act_cfg=act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.conv2(self.conv1(self.global_avgpool(x)))
        return weight if self.return_weight else x * weight


__all__ = ['SELayer']
