"""Shared loss helpers: element-wise weighting, reduction and one-hot targets.

Every loss of :mod:`mmcls.models.losses` computes an element-wise loss and then
calls :func:`weight_reduce_loss`, so ``weight``, ``reduction`` and ``avg_factor``
mean the same thing everywhere (MMClassification semantics: with ``avg_factor``
the ``'mean'`` reduction is ``loss.sum() / avg_factor``).
"""
import functools
from typing import Callable, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

REDUCTIONS = ('none', 'mean', 'sum')


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce an element-wise loss with ``'none'``, ``'mean'`` or ``'sum'``."""
    if reduction == 'none':
        return loss
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')


def weight_reduce_loss(loss: torch.Tensor,
                       weight: Optional[torch.Tensor] = None,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None) -> torch.Tensor:
    """Multiply ``loss`` by ``weight`` (if given), then reduce it.

    ``avg_factor`` replaces the element count of the ``'mean'`` reduction; it
    cannot be combined with ``'sum'``.
    """
    if weight is not None:
        loss = loss * weight
    if avg_factor is None:
        return reduce_loss(loss, reduction)
    if reduction == 'mean':
        return loss.sum() / avg_factor
    if reduction == 'none':
        return loss
    raise ValueError(f'avg_factor cannot be used with reduction={reduction!r}')


def weighted_loss(loss_func: Callable) -> Callable:
    """Decorate an element-wise ``loss_func(pred, target, **kwargs)`` to accept
    ``weight``, ``reduction`` and ``avg_factor`` (see :func:`weight_reduce_loss`).

    Example:
        >>> @weighted_loss
        ... def l1_loss(pred, target):
        ...     return (pred - target).abs()
        >>> l1_loss(torch.tensor([0., 2.]), torch.tensor([1., 1.]), reduction='sum')
        tensor(2.)
    """

    @functools.wraps(loss_func)
    def wrapper(pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                reduction: str = 'mean',
                avg_factor: Optional[float] = None,
                **kwargs) -> torch.Tensor:
        loss = loss_func(pred, target, **kwargs)
        return weight_reduce_loss(loss, weight, reduction, avg_factor)

    return wrapper


def convert_to_one_hot(targets: torch.Tensor, classes: int) -> torch.Tensor:
    """Turn class indices of shape (N, 1) or (N,) into a (N, classes) one-hot tensor."""
    if targets.numel() and int(targets.max()) >= classes:
        raise ValueError(f'target {int(targets.max())} is out of range for {classes} classes')
    return F.one_hot(targets.long().reshape(-1), num_classes=classes)


def is_index_target(target: torch.Tensor) -> bool:
    """True when ``target`` holds class indices ((N,) or (N, 1)) rather than scores."""
    return target.dim() == 1 or (target.dim() == 2 and target.shape[1] == 1)


def check_reduction(reduction_override: Optional[str], default: str) -> str:
    """Return the reduction to use (the override if given), raising on unknown names."""
    reduction = default if reduction_override is None else reduction_override
    if reduction not in REDUCTIONS:
        raise ValueError(f'reduction must be one of {REDUCTIONS}, got {reduction!r}')
    return reduction


def expand_sample_weight(weight: Optional[torch.Tensor], pred: torch.Tensor) -> Optional[torch.Tensor]:
    """Reshape a per-sample weight (N,) so it broadcasts over a (N, C) element-wise loss."""
    if weight is None:
        return None
    if weight.dim() != 1:
        raise ValueError(f'weight must be 1-D (one value per sample), got shape {tuple(weight.shape)}')
    weight = weight.float()
    return weight.reshape(-1, 1) if pred.dim() > 1 else weight


class ScoreTargetLoss(nn.Module):
    """Base of the losses computed against per-class score targets (multi-label style).

    ``forward`` resolves the reduction, turns class-index targets into one-hot
    rows and scales :meth:`compute` by ``loss_weight``.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: multiplies the loss.
    """

    def __init__(self, reduction: str = 'mean', loss_weight: float = 1.0) -> None:
        super().__init__()
        self.reduction = check_reduction(None, reduction)
        self.loss_weight = loss_weight

    def compute(self, pred: torch.Tensor, target: torch.Tensor, weight: Optional[torch.Tensor],
                reduction: str, avg_factor: Optional[float]) -> torch.Tensor:
        """The unscaled loss of ``pred`` against a ``target`` of the same shape."""
        raise TypeError(f'{type(self).__name__} must define compute()')

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        reduction = check_reduction(reduction_override, self.reduction)
        if is_index_target(target):
            target = convert_to_one_hot(target.view(-1, 1), pred.shape[-1])
        return self.loss_weight * self.compute(pred, target, weight, reduction, avg_factor)


__all__ = [
    'reduce_loss', 'weight_reduce_loss', 'weighted_loss', 'convert_to_one_hot', 'is_index_target',
    'check_reduction', 'expand_sample_weight', 'ScoreTargetLoss'
]
