"""Seesaw loss (Wang et al., 2021) for long-tailed classification."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from .utils import check_reduction, weight_reduce_loss


def seesaw_ce_loss(cls_score: torch.Tensor,
                   labels: torch.Tensor,
                   weight: Optional[torch.Tensor],
                   cum_samples: torch.Tensor,
                   num_classes: int,
                   p: float,
                   q: float,
                   eps: float,
                   reduction: str = 'mean',
                   avg_factor: Optional[float] = None) -> torch.Tensor:
    """Cross entropy whose negative logits are shifted by ``log(seesaw_weight)``.

    The mitigation factor ``(N_j / N_i) ** p`` (for rarer class j than the label i)
    lowers the penalty on tail classes; the compensation factor ``(s_j / s_i) ** q``
    (for classes scored above the label) restores it for misclassified samples.
    """
    if cls_score.size(-1) != num_classes or len(cum_samples) != num_classes:
        raise ValueError(f'seesaw_ce_loss: expected {num_classes} classes, got cls_score '
                         f'{tuple(cls_score.shape)} and {len(cum_samples)} sample counts')
    labels = labels.long()
    onehot = F.one_hot(labels, num_classes)
    seesaw_weights = cls_score.new_ones(onehot.size())
    if p > 0:
        ratio = cum_samples[None, :].clamp(min=1) / cum_samples[:, None].clamp(min=1)
        below = (ratio < 1.0).float()
        sample_weights = ratio.pow(p) * below + (1 - below)
        seesaw_weights = seesaw_weights * sample_weights[labels, :]
    if q > 0:
        scores = F.softmax(cls_score.detach(), dim=1)
        self_scores = scores[torch.arange(len(scores), device=scores.device), labels]
        score_ratio = scores / self_scores[:, None].clamp(min=eps)
        above = (score_ratio > 1.0).float()
        seesaw_weights = seesaw_weights * (score_ratio.pow(q) * above + (1 - above))
    cls_score = cls_score + seesaw_weights.log() * (1 - onehot)
    loss = F.cross_entropy(cls_score, labels, reduction='none')
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


@MODELS.register_module()
class SeesawLoss(nn.Module):
    """Seesaw loss; keeps a running count of samples per class in ``cum_samples``.

    Args:
        use_sigmoid: must be False (the loss is softmax based).
        p: exponent of the mitigation factor.
        q: exponent of the compensation factor.
        num_classes: number of classes.
        eps: lower clamp of the label score in the compensation factor.
        reduction, loss_weight: as the other losses.
    """

    def __init__(self,
                 use_sigmoid: bool = False,
                 p: float = 0.8,
                 q: float = 2.0,
                 num_classes: int = 1000,
                 eps: float = 1e-2,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if use_sigmoid:
            raise ValueError('SeesawLoss is softmax based: use_sigmoid must be False')
        self.use_sigmoid = False
        self.p = p
        self.q = q
        self.num_classes = num_classes
        self.eps = eps
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight
        self.register_buffer('cum_samples', torch.zeros(num_classes, dtype=torch.float))

    def forward(self,
                cls_score: torch.Tensor,
                labels: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        reduction = check_reduction(reduction_override, self.reduction)
        if labels.dim() != 1 or labels.numel() != cls_score.size(0):
            raise ValueError(f'SeesawLoss needs one class index per sample, got labels of shape '
                             f'{tuple(labels.shape)} for cls_score {tuple(cls_score.shape)}')
        self.cum_samples += torch.bincount(labels.long(), minlength=self.num_classes).to(
            self.cum_samples.dtype)
        if weight is None:
            weight = labels.new_ones(labels.size(), dtype=torch.float)
        return self.loss_weight * seesaw_ce_loss(
            cls_score, labels, weight, self.cum_samples, self.num_classes, self.p, self.q,
            self.eps, reduction, avg_factor)


__all__ = ['SeesawLoss', 'seesaw_ce_loss']
