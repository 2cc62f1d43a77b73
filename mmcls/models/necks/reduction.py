"""LinearReduction neck: a linear layer (+ norm + activation) on the last feature vector."""
from typing import Optional

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import BaseModule
from ..utils.norm import build_norm_layer


@MODELS.register_module()
class LinearReduction(BaseModule):
    """Reduce (or expand) the feature dimension, e.g. for retrieval embeddings.

    Args:
        in_channels / out_channels: input and output dimensions.
        norm_cfg: norm after the linear layer (``BN1d`` by default), None for none.
        act_cfg: activation after the norm, e.g. ``dict(type='ReLU')``; None (default) for
            none.
        init_cfg: weight initialisation config (None: PyTorch's default ``nn.Linear`` init).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 norm_cfg: Optional[dict] = dict(type='BN1d'),
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.reduction = nn.Linear(in_channels, out_channels)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1] if norm_cfg else nn.Identity()
        self.act = build_activation_layer(act_cfg) if act_cfg else nn.Identity()

    def forward(self, inputs):
        """Take the last entry of a tuple (or a tensor) and return a one-element tuple."""
        if isinstance(inputs, tuple):
            inputs = inputs[-1]
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f'LinearReduction inputs must be a tensor or a tuple of tensors, '
                            f'got {type(inputs).__name__}')
        return (self.act(self.norm(self.reduction(inputs))), )


__all__ = ['LinearReduction']
