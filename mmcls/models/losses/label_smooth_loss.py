"""Label-smoothing loss: soft targets from class indices, then cross entropy."""
import warnings
from typing import Optional, Sequence

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from .cross_entropy_loss import CrossEntropyLoss
from .utils import convert_to_one_hot, is_index_target

SMOOTH_MODES = ('original', 'classy_vision', 'multi_label')


def _check_smoothing(label_smooth_val: float, mode: str) -> None:
    if not isinstance(label_smooth_val, float) or not 0 <= label_smooth_val < 1:
        raise ValueError(f'LabelSmoothLoss: label_smooth_val must be a float in [0, 1), '
                         f'got {label_smooth_val!r}')
    if mode not in SMOOTH_MODES:
        raise ValueError(f'LabelSmoothLoss: mode must be one of {SMOOTH_MODES}, got {mode!r}')


@MODELS.register_module()
class LabelSmoothLoss(nn.Module):
    """Cross entropy against smoothed one-hot targets.

    With ``eps = label_smooth_val`` the targets are, by ``mode``:

    - ``'original'``: ``onehot * (1 - eps) + eps / num_classes``;
    - ``'classy_vision'``: ``(onehot + eps / num_classes) / (1 + eps)`` (ClassyVision);
    - ``'multi_label'``: ``1 - eps`` for positives and ``eps`` for negatives, with a sigmoid loss.

    Args:
        label_smooth_val: the smoothing value, in [0, 1).
        num_classes: number of classes; inferred from ``cls_score`` when ``None``.
        use_sigmoid: sigmoid BCE instead of softmax CE (forced on for ``'multi_label'``).
        mode: one of ``'original'``, ``'classy_vision'``, ``'multi_label'``.
        reduction, loss_weight, class_weight, pos_weight: as :class:`CrossEntropyLoss`.
    """

    def __init__(self,
                 label_smooth_val: float,
                 num_classes: Optional[int] = None,
                 use_sigmoid: Optional[bool] = None,
                 mode: str = 'original',
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 class_weight: Optional[Sequence[float]] = None,
                 pos_weight: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        _check_smoothing(label_smooth_val, mode)
        self.num_classes = num_classes
        self.loss_weight = loss_weight
        self.label_smooth_val = label_smooth_val
        self.mode = mode
        self._eps = label_smooth_val
        if mode == 'classy_vision':
            # (onehot + eps/C) / (1 + eps) equals the original rule with eps' = eps / (1 + eps)
            self._eps = label_smooth_val / (1 + label_smooth_val)
        if mode == 'multi_label':
            if not use_sigmoid:
                warnings.warn('LabelSmoothLoss: mode "multi_label" uses a sigmoid loss; '
                              'use_sigmoid is set to True')
            use_sigmoid = True
        self.use_sigmoid = bool(use_sigmoid)
        self.ce = CrossEntropyLoss(
            use_sigmoid=self.use_sigmoid,
            use_soft=not self.use_sigmoid,
            reduction=reduction,
            class_weight=class_weight,
            pos_weight=pos_weight)

    def smooth_label(self, one_hot_like_label: torch.Tensor) -> torch.Tensor:
        """Smooth a one-hot (or multi-hot) target according to ``mode``."""
        if self.mode == 'multi_label':
            return self.multilabel_smooth_label(one_hot_like_label)
        return self.original_smooth_label(one_hot_like_label)

    def original_smooth_label(self, one_hot_like_label: torch.Tensor) -> torch.Tensor:
        """``onehot * (1 - eps) + eps / num_classes`` (the classy_vision mode rescales eps)."""
        num_classes = one_hot_like_label.shape[-1]
        return one_hot_like_label.float() * (1 - self._eps) + self._eps / num_classes

    def multilabel_smooth_label(self, one_hot_like_label: torch.Tensor) -> torch.Tensor:
        """``1 - eps`` for the positive classes and ``eps`` for the others."""
        smooth = torch.full_like(one_hot_like_label, self._eps, dtype=torch.float)
        return smooth.masked_fill(one_hot_like_label > 0, 1 - self._eps)

    def generate_one_hot_like_label(self, label: torch.Tensor,
                                    num_classes: Optional[int] = None) -> torch.Tensor:
        """Float one-hot rows for class indices ((N,) or (N, 1)); other labels as floats.

        ``num_classes`` defaults to the one the loss was built with.
        """
        num_classes = num_classes or self.num_classes
        if is_index_target(label):
            if not num_classes:
                raise ValueError('LabelSmoothLoss: num_classes is needed to one-hot class indices')
            return convert_to_one_hot(label.view(-1, 1), num_classes).float()
        return label.float()

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> torch.Tensor:
        num_classes = cls_score.shape[1]
        if self.num_classes is not None and self.num_classes != num_classes:
            raise ValueError(f'LabelSmoothLoss was built for {self.num_classes} classes but '
                             f'cls_score has {num_classes}')
        one_hot = self.generate_one_hot_like_label(label, num_classes)
        if one_hot.shape != cls_score.shape:
            raise ValueError(f'LabelSmoothLoss: label of shape {tuple(label.shape)} matches '
                             f'neither class indices nor cls_score {tuple(cls_score.shape)}')
        smoothed = self.smooth_label(one_hot)
        return self.loss_weight * self.ce(
            cls_score, smoothed, weight=weight, avg_factor=avg_factor,
            reduction_override=reduction_override, **kwargs)


__all__ = ['LabelSmoothLoss']
