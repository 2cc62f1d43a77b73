"""Normalisation layers by config name (``dict(type='BN')``), with the MMCV naming rules.

``build_norm_layer`` returns ``(name, layer)``; the name ('bn', 'gn', 'ln', 'in' + postfix) is the
attribute under which modules store the layer, so state-dict keys match MMClassification's.
"""
import inspect
from typing import Dict, Optional, Tuple, Type, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from mmcls.registry import MODELS

from .grn import GRN  # noqa: F401  (rc6 kept GRN in this module)
from .helpers import resolve_layer_type


@MODELS.register_module(['LN2d', 'LayerNorm2d'])
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel dimension of an (N, C, H, W) tensor."""

    def __init__(self, num_channels: int, **kwargs) -> None:
        super().__init__(num_channels, **kwargs)
        self.num_channels = self.normalized_shape[0]

    def forward(self, x: torch.Tensor, data_format: str = 'channel_first') -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f'LayerNorm2d expects an (N, C, H, W) tensor, got shape {tuple(x.shape)}')
        if data_format == 'channel_last':
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        if data_format != 'channel_first':
            raise ValueError(f"data_format must be 'channel_first' or 'channel_last', got {data_format!r}")
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2).contiguous()


NORM_LAYERS: Dict[str, Type[nn.Module]] = {
    'BN': nn.BatchNorm2d,
    'BN1d': nn.BatchNorm1d,
    'BN2d': nn.BatchNorm2d,
    'BN3d': nn.BatchNorm3d,
    'SyncBN': nn.SyncBatchNorm,
    'GN': nn.GroupNorm,
    'LN': nn.LayerNorm,
    'LN2d': LayerNorm2d,
    'IN': nn.InstanceNorm2d,
    'IN1d': nn.InstanceNorm1d,
    'IN2d': nn.InstanceNorm2d,
    'IN3d': nn.InstanceNorm3d,
}


def infer_abbr(class_type: type) -> str:
    """The attribute-name prefix of a norm layer class ('bn', 'gn', 'ln', 'in', or its ``_abbr_``)."""
    if not inspect.isclass(class_type):
        raise TypeError(f'class_type must be a class, got {type(class_type).__name__}')
    if hasattr(class_type, '_abbr_'):
        return class_type._abbr_
    if issubclass(class_type, _InstanceNorm):
        return 'in'
    if issubclass(class_type, _BatchNorm):
        return 'bn'
    if issubclass(class_type, nn.GroupNorm):
        return 'gn'
    if issubclass(class_type, nn.LayerNorm):
        return 'ln'
    name = class_type.__name__.lower()
    for key, abbr in (('batch', 'bn'), ('group', 'gn'), ('layer', 'ln'), ('instance', 'in')):
        if key in name:
            return abbr
    return 'norm_layer'


def build_norm_layer(cfg: dict, num_features: int,
                     postfix: Union[int, str] = '') -> Tuple[str, nn.Module]:
    """Build a norm layer from ``cfg`` for ``num_features`` channels.

    Keys of ``cfg``: ``type`` (see ``NORM_LAYERS``), ``requires_grad`` (default True), and the
    layer's own arguments (``eps``, ``momentum``, ``num_groups`` for GN, ...).
    """
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'norm cfg must be a dict with a "type" key, got {cfg!r}')
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    norm_cls = resolve_layer_type('norm', NORM_LAYERS, layer_type)
    name = infer_abbr(norm_cls) + str(postfix)
    requires_grad = cfg.pop('requires_grad', True)
    cfg.setdefault('eps', 1e-5)
    if norm_cls is nn.GroupNorm or (inspect.isclass(norm_cls) and issubclass(norm_cls, nn.GroupNorm)):
        if 'num_groups' not in cfg:
            raise KeyError(f'GN norm cfg needs "num_groups", got {cfg!r}')
        layer = norm_cls(num_channels=num_features, **cfg)
    else:
        layer = norm_cls(num_features, **cfg)
        if layer_type == 'SyncBN' and hasattr(layer, '_specify_ddp_gpu_num'):
            layer._specify_ddp_gpu_num(1)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    return name, layer


def is_norm(layer: nn.Module, exclude: Optional[tuple] = None) -> bool:
    """True for batch/group/layer/instance norm layers (used by optimizer param-wise rules)."""
    if exclude is not None and isinstance(layer, exclude):
        return False
    return isinstance(layer, (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm))


__all__ = ['GRN', 'LayerNorm2d', 'NORM_LAYERS', 'build_norm_layer', 'infer_abbr', 'is_norm']
