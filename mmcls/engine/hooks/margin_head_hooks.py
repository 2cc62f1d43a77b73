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
        dataset = runner.train_dataloader.dataset
        if not hasattr(dataset, 'get_cat_ids'):
            raise TypeError('SetAdaptiveMarginsHook counts classes with dataset.get_cat_ids(idx), '
                            f'which {type(dataset).__name__} does not have')
        counts = np.zeros(head.num_classes, dtype=np.int64)
        for idx in range(len(dataset)):
            for cat in dataset.get_cat_ids(idx):
                if not 0 <= cat < head.num_classes:
                    raise ValueError(f'SetAdaptiveMarginsHook: sample {idx} of '
                                     f'{type(dataset).__name__} has class {cat}, outside the '
                                     f'head\'s {head.num_classes} classes')
                counts[cat] += 1
        head.set_margins(adaptive_margins(counts, self.margin_min, self.margin_max, self.power))
