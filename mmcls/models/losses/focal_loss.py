"""Sigmoid focal loss (Lin et al., 2017) for multi-label or imbalanced classification."""
from typing import Optional

import torch
import torch.nn.functional as F

from mmcls.registry import MODELS
from .utils import ScoreTargetLoss, expand_sample_weight, weight_reduce_loss


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
class FocalLoss(ScoreTargetLoss):
    """Focal loss on sigmoid scores.

    Args:
        gamma: focusing parameter; down-weights easy examples.
        alpha: balance between positives (``alpha``) and negatives (``1 - alpha``).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: multiplies the loss.
    """

    def __init__(self, gamma: float = 2.0, alpha: float = 0.25, reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__(reduction, loss_weight)
        self.gamma = gamma
        self.alpha = alpha

    def compute(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor],
                reduction: str, avg_factor: Optional[float]) -> torch.Tensor:
        return sigmoid_focal_loss(
            pred, target, weight, gamma=self.gamma, alpha=self.alpha, reduction=reduction,
            avg_factor=avg_factor)


__all__ = ['FocalLoss', 'sigmoid_focal_loss']
