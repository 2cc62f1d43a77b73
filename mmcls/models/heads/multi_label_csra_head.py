"""CSRA head (Zhu & Wu, ICCV 2021): class-specific residual attention for multi-label images.

Each attention head scores every spatial position per class with a 1x1 convolution (weights
normalised per class), then adds ``lam`` times an attention-pooled score to the average score.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule, ModuleList
from .multi_label_cls_head import MultiLabelClsHead

class CSRAModule(BaseModule):
    """One residual-attention head: average score + ``lam`` x attention-weighted score.

    ``T`` is the softmax temperature of the attention over positions (99: max pooling).
    """

    def __init__(self, num_classes: int, in_channels: int, T: float, lam: float,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.T = T
        self.lam = lam
        self.head = nn.Conv2d(in_channels, num_classes, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = torch.norm(self.head.weight, dim=1, keepdim=True).transpose(0, 1)
        score = (self.head(x) / norm).flatten(2)  # (N, classes, H*W)
        base_logit = score.mean(dim=2)
        if self.T == 99:
            att_logit = score.max(dim=2)[0]
        else:
            att_logit = (score * torch.softmax(score * self.T, dim=2)).sum(dim=2)
        return base_logit + self.lam * att_logit


@MODELS.register_module()
class CSRAClsHead(MultiLabelClsHead):
    """Multi-label head made of ``num_heads`` CSRA modules whose logits are summed.

    Args:
        num_classes: number of categories.
        in_channels: channels of the last backbone feature map (the head takes the map, no neck).
        num_heads: 1, 2, 4, 6 or 8 attention heads.
        lam: weight of the attention logit.
        **kwargs: as :class:`MultiLabelClsHead` (loss, thr, topk).
    """
    # number of heads -> softmax temperatures of the heads (99 means max pooling)
    temperature_settings = {1: [1], 2: [1, 99], 4: [1, 2, 4, 99], 6: [1, 2, 3, 4, 5, 99],
                            8: [1, 2, 3, 4, 5, 6, 7, 99]}

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_heads: int,
                 lam: float,
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        temperatures = self.temperature_settings.get(num_heads)
        if temperatures is None:
            raise ValueError(f'CSRAClsHead: num_heads must be one of '
                             f'{sorted(self.temperature_settings)}, got {num_heads}')
        if lam <= 0:
            raise ValueError(f'CSRAClsHead: lam must be positive, got {lam}')
        self.num_classes = num_classes
        self.csra_heads = ModuleList([
            CSRAModule(num_classes, in_channels, t, lam) for t in temperatures
        ])

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = self.pre_logits(feats)
        return sum(head(x) for head in self.csra_heads)


__all__ = ['CSRAModule', 'CSRAClsHead']
