"""Generalized-mean (GeM) pooling neck: ``mean(x ** p) ** (1 / p)`` over space."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parameter import Parameter

from mmcls.registry import MODELS
from .gap import pool_each


def gem(x: torch.Tensor, p: torch.Tensor, eps: float = 1e-6, clamp: bool = True) -> torch.Tensor:
    """Generalized mean of each (H, W) map; ``clamp`` keeps inputs >= ``eps`` so the power is defined."""
    if clamp:
        x = x.clamp(min=eps)
    return F.avg_pool2d(x.pow(p), (x.size(-2), x.size(-1))).pow(1. / p)


@MODELS.register_module()
class GeneralizedMeanPooling(nn.Module):
    """GeM pooling; ``p=1`` is average pooling and large ``p`` tends to max pooling.

    Args:
        p: the power, at least 1.
        eps: lower clamp of the inputs.
        clamp: clamp the inputs to ``eps`` first.
        p_trainable: learn ``p``.
    """

    def __init__(self, p: float = 3., eps: float = 1e-6, clamp: bool = True,
                 p_trainable: bool = True) -> None:
        super().__init__()
        if p < 1:
            raise ValueError(f'GeneralizedMeanPooling p must be >= 1, got {p!r}')
        self.p = Parameter(torch.ones(1) * p, requires_grad=p_trainable)
        self.eps = eps
        self.clamp = clamp
        self.p_trainable = p_trainable

    def forward(self, inputs):
        return pool_each(lambda x: gem(x, self.p, self.eps, self.clamp), inputs)


__all__ = ['GeneralizedMeanPooling', 'gem']
