"""LinearClsHead: one fully-connected layer on the last feature vector."""
from typing import Optional, Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from .cls_head import ClsHead


def check_num_classes(num_classes: int, owner: str) -> None:
    """Raise a clear error for a non-positive class count."""
    if not isinstance(num_classes, int) or num_classes <= 0:
        raise ValueError(f'{owner}: num_classes must be a positive int, got {num_classes!r}')


def init_class_dims(head: nn.Module, num_classes: int, in_channels: int) -> None:
    """Check ``num_classes`` and store it and the feature width ``in_channels`` on ``head``."""
    check_num_classes(num_classes, type(head).__name__)
    head.num_classes = num_classes
    head.in_channels = in_channels


def init_linear_classifier(head: nn.Module, num_classes: int, in_channels: int) -> None:
    """:func:`init_class_dims`, then give ``head`` its ``fc`` layer from features to classes."""
    init_class_dims(head, num_classes, in_channels)
    head.fc = nn.Linear(in_channels, num_classes)


@MODELS.register_module()
class LinearClsHead(ClsHead):
    """Linear classifier head.

    Args:
        num_classes: number of classes.
        in_channels: feature dimension.
        init_cfg: weight initialisation (normal, std 0.01 for the fc layer by default).
        **kwargs: as :class:`ClsHead` (loss, topk, cal_acc).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        init_linear_classifier(self, num_classes, in_channels)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))


__all__ = ['LinearClsHead', 'check_num_classes', 'init_class_dims', 'init_linear_classifier']
