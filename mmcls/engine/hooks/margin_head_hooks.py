"""SetAdaptiveMarginsHook: per-class ArcFace margins from the class frequencies.

Rare classes get larger margins:
``f(n) = (margin_max - margin_min) * norm(n ** power) + margin_min`` with ``norm`` the min-max
normalisation over classes (Google Landmark Recognition 2020, 3rd place solution).
"""
from __future__ import annotations

from typing import List, Sequence

import numpy as np

from mmcls.registry import HOOKS
from mmcls.core.model_wrappers import unwrap_model

from .hook import Hook

__all__ = ['SetAdaptiveMarginsHook', 'adaptive_margins']


def adaptive_margins(counts: Sequence[int], margin_min: float = 0.05, margin_max: float = 0.5,
                     power: float = -0.25) -> List[float]:
    """Margins of classes that occur ``counts`` times.

    A class never seen counts as seen once (the rarest, so the largest margin with a negative
    power). When every class has the same frequency there is nothing to normalise against and
    all classes get the middle margin.
    """
    freq = np.maximum(np.asarray(counts, dtype=np.float64), 1.0) ** power
    span = freq.max() - freq.min()
    if span <= 0:
        return [(margin_min + margin_max) / 2.0] * len(freq)
    normed = (freq - freq.min()) / span
    return ((margin_max - margin_min) * normed + margin_min).tolist()


@HOOKS.register_module()
class SetAdaptiveMarginsHook(Hook):
    """Before training, set the margins of the model's ``ArcFaceClsHead`` from how often each
    class occurs in the training set.

    Args:
        margin_min: the margin of the most frequent class.
        margin_max: the margin of the rarest class.
        power: exponent applied to the class counts (negative: rare classes get larger margins).
    """

    def __init__(self, margin_min: float = 0.05, margin_max: float = 0.5,
                 power: float = -0.25) -> None:
        if margin_min > margin_max:
            raise ValueError(f'SetAdaptiveMarginsHook: margin_min ({margin_min}) must not exceed '
                             f'margin_max ({margin_max})')
        self.margin_min = margin_min
        self.margin_max = margin_max
        self.power = power

    def before_train(self, runner) -> None:
        """Count the classes of the training set and give the head its margins."""
        from mmcls.models.heads.margin_head import ArcFaceClsHead

        model = unwrap_model(runner.model)
        head = getattr(model, 'head', None)
        if not isinstance(head, ArcFaceClsHead):
            raise ValueError('SetAdaptiveMarginsHook needs a model whose head is an '
                             f'ArcFaceClsHead, got {type(head).__name__} in '
                             f'{type(model).__name__}')
        counts = _class_counts(runner.train_dataloader.dataset, head.num_classes)
        head.set_margins(adaptive_margins(counts, self.margin_min, self.margin_max, self.power))


def _class_counts(dataset, num_classes: int) -> np.ndarray:
    """How often each class occurs: from ``dataset.get_gt_labels()`` (one label per sample)
    when the dataset has it, else from ``dataset.get_cat_ids(idx)`` of every sample."""
    if hasattr(dataset, 'get_gt_labels'):
        labels = [int(label) for label in np.asarray(dataset.get_gt_labels()).reshape(-1)]
        where = 'get_gt_labels()'
    elif hasattr(dataset, 'get_cat_ids'):
        labels = [int(cat) for idx in range(len(dataset)) for cat in dataset.get_cat_ids(idx)]
        where = 'get_cat_ids()'
    else:
        raise TypeError('SetAdaptiveMarginsHook counts classes with dataset.get_gt_labels() or '
                        f'dataset.get_cat_ids(idx), which {type(dataset).__name__} does not have')
    outside = [label for label in labels if not 0 <= label < num_classes]
    if outside:
        raise ValueError(f'SetAdaptiveMarginsHook: {type(dataset).__name__}.{where} gives class '
                         f'{outside[0]}, outside the head\'s {num_classes} classes')
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=num_classes)
