"""Cross-entropy losses: softmax CE on class indices, soft-target CE and sigmoid BCE."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from .utils import check_reduction, expand_sample_weight, weight_reduce_loss


def _reduce_per_sample(loss: torch.Tensor, weight: Optional[torch.Tensor], reduction: str,
                       avg_factor: Optional[float]) -> torch.Tensor:
    """Weight (as float) and reduce a per-sample ``(N,)`` loss."""
    if weight is not None:
        weight = weight.float()
    return weight_reduce_loss(loss, weight, reduction, avg_factor)


def cross_entropy(pred: torch.Tensor,
                  label: torch.Tensor,
                  weight: Optional[torch.Tensor] = None,
                  reduction: str = 'mean',
                  avg_factor: Optional[float] = None,
                  class_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Softmax cross entropy of ``pred`` (N, C) against class indices ``label`` (N,)."""
    loss = F.cross_entropy(pred, label.long(), weight=class_weight, reduction='none')
    return _reduce_per_sample(loss, weight, reduction, avg_factor)


def soft_cross_entropy(pred: torch.Tensor,
                       label: torch.Tensor,
                       weight: Optional[torch.Tensor] = None,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None,
                       class_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Cross entropy against a target distribution ``label`` (N, C), e.g. after mixup."""
    loss = -label * F.log_softmax(pred, dim=-1)
    if class_weight is not None:
        loss = loss * class_weight
    return _reduce_per_sample(loss.sum(dim=-1), weight, reduction, avg_factor)


def binary_cross_entropy(pred: torch.Tensor,
                         label: torch.Tensor,
                         weight: Optional[torch.Tensor] = None,
                         reduction: str = 'mean',
                         avg_factor: Optional[float] = None,
                         class_weight: Optional[torch.Tensor] = None,
                         pos_weight: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Sigmoid binary cross entropy of ``pred`` against a same-shape target (multi-label)."""
    if pred.dim() != label.dim():
        raise ValueError(f'binary_cross_entropy needs pred and label of the same rank, got '
                         f'{tuple(pred.shape)} and {tuple(label.shape)}; convert class indices '
                         'to one-hot first')
    if class_weight is not None:
        class_weight = class_weight.repeat(pred.size(0), 1)
    loss = F.binary_cross_entropy_with_logits(
        pred, label.type_as(pred), weight=class_weight, pos_weight=pos_weight, reduction='none')
    return weight_reduce_loss(loss, expand_sample_weight(weight, pred), reduction, avg_factor)


@MODELS.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross-entropy loss, softmax (default), soft-target or sigmoid.

    Args:
        use_sigmoid: sigmoid BCE (multi-label); the target must match ``cls_score``'s shape.
        use_soft: softmax CE against a target distribution (mixup/cutmix, label smoothing).
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: multiplies the loss.
        class_weight: per-class weights (C values).
        pos_weight: per-class positive weights, only with ``use_sigmoid``.
    """

    def __init__(self,
                 use_sigmoid: bool = False,
                 use_soft: bool = False,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 class_weight: Optional[Sequence[float]] = None,
                 pos_weight: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        if use_sigmoid and use_soft:
            raise ValueError('CrossEntropyLoss: use_sigmoid and use_soft cannot both be True')
        if pos_weight is not None and not use_sigmoid:
            raise ValueError('CrossEntropyLoss: pos_weight is only supported with use_sigmoid=True')
        self.use_sigmoid = use_sigmoid
        self.use_soft = use_soft
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight
        self.class_weight = class_weight
        self.pos_weight = pos_weight
        if use_sigmoid:
            self.cls_criterion = binary_cross_entropy
        elif use_soft:
            self.cls_criterion = soft_cross_entropy
        else:
            self.cls_criterion = cross_entropy

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        reduction = check_reduction(reduction_override, self.reduction)
        class_weight = None if self.class_weight is None else cls_score.new_tensor(self.class_weight)
        if self.pos_weight is not None:
            kwargs['pos_weight'] = cls_score.new_tensor(self.pos_weight)
        loss = self.cls_criterion(
            cls_score, label, weight, class_weight=class_weight, reduction=reduction,
            avg_factor=avg_factor, **kwargs)
        return self.loss_weight * loss


__all__ = ['CrossEntropyLoss', 'cross_entropy', 'soft_cross_entropy', 'binary_cross_entropy']
