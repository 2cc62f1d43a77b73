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
        check_num_classes(num_classes, type(self).__name__)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))


__all__ = ['LinearClsHead', 'check_num_classes']
