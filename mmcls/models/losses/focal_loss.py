"""Sigmoid focal loss (Lin et al., 2017) for multi-label or imbalanced classification."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from .utils import (check_reduction, convert_to_one_hot, expand_sample_weight, is_index_target,
                    weight_reduce_loss)


def sigmoid_focal_loss(pred: torch.Tensor,
                       target: torch.Tensor,
                       weight: Optional[torch.Tensor] = None,
                       gamma: float = 2.0,
                       alpha: float = 0.25,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None) -> torch.Tensor:
    """``BCE(pred, target) * (alpha_t * (1 - p_t) ** gamma)`` element-wise, then reduced."""
    if pred.shape != target.shape:
        raise ValueError(f'sigmoid_focal_loss: pred {tuple(pred.shape)} and target '
                         f'{tuple(target.shape)} must have the same shape')
    prob = pred.sigmoid()
    target = target.type_as(pred)
    one_minus_pt = (1 - prob) * target + prob * (1 - target)
    focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * one_minus_pt.pow(gamma)
    loss = F.binary_cross_entropy_with_logits(pred, target, reduction='none') * focal_weight
    return weight_reduce_loss(loss, expand_sample_weight(weight, pred), reduction, avg_factor)


@MODELS.register_module()
class FocalLoss(nn.Module):
    """Focal loss on sigmoid scores.

    Args:
        gamma: focusing parameter; down-weights easy examples.
        alpha: balance between positives (``alpha``) and negatives (``1 - alpha``).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: multiplies the loss.
    """

    def __init__(self, gamma: float = 2.0, alpha: float = 0.25, reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.gamma = gamma
        self.alpha = alpha
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        reduction = check_reduction(reduction_override, self.reduction)
        if is_index_target(target):
            target = convert_to_one_hot(target.view(-1, 1), pred.shape[-1])
        return self.loss_weight * sigmoid_focal_loss(
            pred, target, weight, gamma=self.gamma, alpha=self.alpha, reduction=reduction,
            avg_factor=avg_factor)


__all__ = ['FocalLoss', 'sigmoid_focal_loss']
