"""Asymmetric loss (Ben-Baruch et al., 2020) for multi-label classification."""
from typing import Optional

import torch

from mmcls.registry import MODELS
from .utils import ScoreTargetLoss, expand_sample_weight, weight_reduce_loss


def asymmetric_loss(pred: torch.Tensor,
                    target: torch.Tensor,
                    weight: Optional[torch.Tensor] = None,
                    gamma_pos: float = 1.0,
                    gamma_neg: float = 4.0,
                    clip: Optional[float] = 0.05,
                    reduction: str = 'mean',
                    avg_factor: Optional[float] = None,
                    use_sigmoid: bool = True,
                    eps: float = 1e-8) -> torch.Tensor:
    """Focusing with separate exponents for positives and negatives, and a probability
    margin ``clip`` that shifts (and so discards) easy negatives."""
    if pred.shape != target.shape:
        raise ValueError(f'asymmetric_loss: pred {tuple(pred.shape)} and target '
                         f'{tuple(target.shape)} must have the same shape')
    prob = pred.sigmoid() if use_sigmoid else pred.softmax(dim=-1)
    target = target.type_as(pred)
    if clip and clip > 0:
        pt = (1 - prob + clip).clamp(max=1) * (1 - target) + prob * target
    else:
        pt = (1 - prob) * (1 - target) + prob * target
    focusing = (1 - pt).pow(gamma_pos * target + gamma_neg * (1 - target))
    loss = -torch.log(pt.clamp(min=eps)) * focusing
    return weight_reduce_loss(loss, expand_sample_weight(weight, pred), reduction, avg_factor)


@MODELS.register_module()
class AsymmetricLoss(ScoreTargetLoss):
    """Asymmetric loss.

    Args:
        gamma_pos / gamma_neg: focusing exponents of positives / negatives.
        clip: probability margin for negatives (``None`` or 0 disables it).
        reduction, loss_weight: as the other losses.
        use_sigmoid: sigmoid scores (multi-label); softmax otherwise.
        eps: lower clamp of the probability inside the log.
    """

    def __init__(self,
                 gamma_pos: float = 0.0,
                 gamma_neg: float = 4.0,
                 clip: Optional[float] = 0.05,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 use_sigmoid: bool = True,
                 eps: float = 1e-8) -> None:
        super().__init__(reduction, loss_weight)
        self.gamma_pos = gamma_pos
        self.gamma_neg = gamma_neg
        self.clip = clip
        self.use_sigmoid = use_sigmoid
        self.eps = eps

    def compute(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor],
                reduction: str, avg_factor: Optional[float]) -> torch.Tensor:
        return asymmetric_loss(
            pred, target, weight, gamma_pos=self.gamma_pos, gamma_neg=self.gamma_neg,
            clip=self.clip, reduction=reduction, avg_factor=avg_factor,
            use_sigmoid=self.use_sigmoid, eps=self.eps)


__all__ = ['AsymmetricLoss', 'asymmetric_loss']
