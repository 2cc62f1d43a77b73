"""Stochastic depth (DropPath) and a builder for dropout layers by config."""
from typing import Optional

import torch
import torch.nn as nn


def drop_path(x: torch.Tensor, drop_prob: float = 0., training: bool = False) -> torch.Tensor:
    """Zero whole samples of a residual branch with probability ``drop_prob``, rescaling the rest."""
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0], ) + (1, ) * (x.ndim - 1)
    mask = x.new_empty(shape).bernoulli_(keep_prob)
    return x * mask.div_(keep_prob)


class DropPath(nn.Module):
    """Per-sample stochastic depth for residual blocks."""

    def __init__(self, drop_prob: float = 0.1) -> None:
        super().__init__()
        if not 0 <= drop_prob < 1:
            raise ValueError(f'drop_prob must be in [0, 1), got {drop_prob}')
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self) -> str:
        return f'drop_prob={self.drop_prob}'


def build_dropout(cfg: Optional[dict]) -> nn.Module:
    """``dict(type='Dropout'|'DropPath', drop_prob=p)`` -> layer; ``None`` -> ``nn.Identity``.

    The layer is built even for ``p == 0`` (a no-op in the forward pass), so its
    ``drop_prob`` can be read on every layer of a stochastic-depth schedule.
    """
    if cfg is None:
        return nn.Identity()
    cfg = dict(cfg)
    layer_type = cfg.pop('type')
    prob = cfg.pop('drop_prob', cfg.pop('p', 0.))
    if layer_type == 'DropPath':
        return DropPath(prob)
    if layer_type == 'Dropout':
        return nn.Dropout(p=prob, **cfg)
    raise KeyError(f'unknown dropout type {layer_type!r}; expected "Dropout" or "DropPath"')


__all__ = ['drop_path', 'DropPath', 'build_dropout']
