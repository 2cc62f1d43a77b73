"""EfficientFormerClsHead: a linear classifier plus, optionally, the distillation classifier
whose logits are averaged with it."""
from typing import Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from .cls_head import ClsHead
from .linear_head import check_num_classes


@MODELS.register_module()
class EfficientFormerClsHead(ClsHead):
    """EfficientFormer classifier: ``head`` and, with ``distillation``, ``dist_head``.

    Args:
        num_classes: number of classes.
        in_channels: feature width.
        distillation: build the distillation classifier; the converted checkpoints use it and
            average the two logits at inference. Training with it needs a teacher, which this
            toolbox does not provide, so :meth:`loss` refuses then.
        init_cfg: weight initialisation (normal, std 0.01 for the linear layers).
        **kwargs: as :class:`ClsHead`.
    """

    def __init__(self, num_classes: int, in_channels: int, distillation: bool = True,
                 init_cfg=dict(type='Normal', layer='Linear', std=0.01), **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        check_num_classes(num_classes, 'EfficientFormerClsHead')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.distillation = distillation
        self.head = nn.Linear(in_channels, num_classes)
        if distillation:
            self.dist_head = nn.Linear(in_channels, num_classes)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = self.pre_logits(feats)
        cls_score = self.head(x)
        if self.distillation:
            cls_score = (cls_score + self.dist_head(x)) / 2
        return cls_score

    def loss(self, feats, data_samples, **kwargs) -> dict:
        if self.distillation:
            raise RuntimeError('EfficientFormerClsHead: training with distillation needs a '
                               'teacher model, which this toolbox does not provide; set '
                               'distillation=False to train')
        return super().loss(feats, data_samples, **kwargs)


__all__ = ['EfficientFormerClsHead']
