"""Activation layers by config name (``dict(type='ReLU', inplace=True)``), MMCV-compatible."""
import inspect
from typing import Dict, Type

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from .helpers import resolve_layer_type


@MODELS.register_module()
class HSigmoid(nn.Module):
    """Hard sigmoid: ``clamp((x + bias) / divisor, min_value, max_value)`` (MMCV 2.x defaults)."""

    def __init__(self, bias: float = 3.0, divisor: float = 6.0, min_value: float = 0.0,
                 max_value: float = 1.0) -> None:
        super().__init__()
        if divisor == 0:
            raise ValueError('HSigmoid divisor must not be 0')
        self.bias, self.divisor = bias, divisor
        self.min_value, self.max_value = min_value, max_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x + self.bias) / self.divisor).clamp(self.min_value, self.max_value)


@MODELS.register_module()
class HSwish(nn.Module):
    """Hard swish of MobileNetV3: ``x * relu6(x + 3) / 6``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.hardswish(x, inplace=self.inplace)


@MODELS.register_module()
class Swish(nn.Module):
    """Swish / SiLU: ``x * sigmoid(x)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class GELU(nn.GELU):
    """GELU that ignores ``inplace`` (configs built for ReLU pass it)."""

    def __init__(self, approximate: str = 'none', inplace: bool = False) -> None:
        super().__init__(approximate=approximate)


ACTIVATION_LAYERS: Dict[str, Type[nn.Module]] = {
    'ReLU': nn.ReLU,
    'ReLU6': nn.ReLU6,
    'LeakyReLU': nn.LeakyReLU,
    'PReLU': nn.PReLU,
    'RReLU': nn.RReLU,
    'ELU': nn.ELU,
    'Sigmoid': nn.Sigmoid,
    'Tanh': nn.Tanh,
    'GELU': GELU,
    'SiLU': nn.SiLU,
    'Swish': Swish,
    'HSwish': HSwish,
    'HSigmoid': HSigmoid,
    'Hardswish': nn.Hardswish,
    'Hardsigmoid': nn.Hardsigmoid,
    'Mish': nn.Mish,
    'Softplus': nn.Softplus,
    'Identity': nn.Identity,
}


def build_activation_layer(cfg: dict) -> nn.Module:
    """Build an activation layer from ``cfg`` (``type`` plus the layer's arguments)."""
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'activation cfg must be a dict with a "type" key, got {cfg!r}')
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    act_cls = resolve_layer_type('activation', ACTIVATION_LAYERS, layer_type)
    if 'inplace' in cfg and 'inplace' not in inspect.signature(act_cls).parameters:
        cfg.pop('inplace')  # e.g. Sigmoid/Tanh have no inplace variant
    return act_cls(**cfg)


__all__ = ['HSigmoid', 'HSwish', 'Swish', 'GELU', 'ACTIVATION_LAYERS', 'build_activation_layer']
