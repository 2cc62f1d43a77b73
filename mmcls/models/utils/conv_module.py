"""ConvModule: convolution, normalisation and activation in a configurable order.

Attribute names follow MMCV (``conv``, the norm layer under its abbreviation such as ``bn``,
``activate``) so checkpoints of MMClassification load into models built from it.
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn

from .activation import build_activation_layer
from .conv import build_conv_layer
from .norm import build_norm_layer
from .weight_init import constant_init, kaiming_init

_NO_INPLACE = ('Tanh', 'PReLU', 'Sigmoid', 'HSigmoid', 'Swish', 'GELU', 'SiLU', 'Identity')


class ConvModule(nn.Module):
    """Conv -> norm -> activation block (order configurable).

    Args:
        bias: ``'auto'`` adds a conv bias only when there is no norm layer.
        conv_cfg / norm_cfg / act_cfg: layer configs; ``None`` leaves the layer out
            (``conv_cfg=None`` means ``nn.Conv2d``).
        inplace: run the activation in place where it supports it.
        order: a permutation of ``('conv', 'norm', 'act')``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Union[int, Tuple[int, int]],
                 stride: Union[int, Tuple[int, int]] = 1,
                 padding: Union[int, Tuple[int, int], str] = 0,
                 dilation: Union[int, Tuple[int, int]] = 1,
                 groups: int = 1,
                 bias: Union[bool, str] = 'auto',
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 inplace: bool = True,
                 padding_mode: str = 'zeros',
                 order: tuple = ('conv', 'norm', 'act')) -> None:
        super().__init__()
        if not isinstance(order, tuple) or sorted(order) != ['act', 'conv', 'norm']:
            raise ValueError(f'order must be a tuple of "conv", "norm" and "act", got {order!r}')
        self.order = order
        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        if bias == 'auto':
            bias = not self.with_norm
        self.with_bias = bias

        self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size,
                                     stride=stride, padding=padding, dilation=dilation,
                                     groups=groups, bias=bias, padding_mode=padding_mode)
        self.in_channels, self.out_channels = in_channels, out_channels

        if self.with_norm:
            norm_channels = out_channels if order.index('norm') > order.index('conv') else in_channels
            self.norm_name, norm = build_norm_layer(norm_cfg, norm_channels)
            self.add_module(self.norm_name, norm)
        else:
            self.norm_name = None

        if self.with_activation:
            act_cfg = dict(act_cfg)
            if act_cfg['type'] not in _NO_INPLACE:
                act_cfg.setdefault('inplace', inplace)
            self.activate = build_activation_layer(act_cfg)
        self._act_type = act_cfg['type'] if act_cfg is not None else None
        self.init_weights()

    @property
    def norm(self) -> Optional[nn.Module]:
        return getattr(self, self.norm_name) if self.norm_name else None

    def init_weights(self) -> None:
        """Kaiming init for the conv (unless it has its own), ones/zeros for the norm."""
        if not hasattr(self.conv, 'init_weights'):
            if self._act_type == 'LeakyReLU':
                kaiming_init(self.conv, a=0.01, nonlinearity='leaky_relu')
            else:
                kaiming_init(self.conv, a=0, nonlinearity='relu')
        if self.with_norm and getattr(self.norm, 'weight', None) is not None:
            constant_init(self.norm, 1, bias=0)

    def forward(self, x: torch.Tensor, activate: bool = True, norm: bool = True) -> torch.Tensor:
        for layer in self.order:
            if layer == 'conv':
                x = self.conv(x)
            elif layer == 'norm' and norm and self.with_norm:
                x = self.norm(x)
            elif layer == 'act' and activate and self.with_activation:
                x = self.activate(x)
        return x


__all__ = ['ConvModule']
