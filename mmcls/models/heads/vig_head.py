"""VigClsHead: the two-layer classifier of Vision GNN."""
from typing import Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from .cls_head import ClsHead
from .linear_head import init_class_dims


@MODELS.register_module()
class VigClsHead(ClsHead):
    """``fc2(drop(act(bn(fc1(x)))))`` on the pooled last-stage feature.

    Args:
        num_classes / in_channels: the class count and the pooled feature's width.
        hidden_dim: width of the hidden layer.
        act_cfg: activation after the batch norm.
        dropout: dropout before the last layer.
        **kwargs: as :class:`ClsHead`.
    """

    def __init__(self, num_classes: int, in_channels: int, hidden_dim: int = 1024,
                 act_cfg: dict = dict(type='GELU'), dropout: float = 0., **kwargs) -> None:
        super().__init__(**kwargs)
        init_class_dims(self, num_classes, in_channels)
        self.fc1 = nn.Linear(in_channels, hidden_dim)
        self.bn = nn.BatchNorm1d(hidden_dim)
        self.act = build_activation_layer(act_cfg)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden_dim, num_classes)

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The hidden-layer feature of the last stage's pooled output."""
        return self.drop(self.act(self.bn(self.fc1(feats[-1]))))

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fc2(self.pre_logits(feats))


__all__ = ['VigClsHead']
