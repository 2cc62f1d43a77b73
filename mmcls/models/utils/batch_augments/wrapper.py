"""``RandomBatchAugment``: pick one batch augment per batch (the classifier's ``train_cfg``)."""
from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mmcls.registry import BATCH_AUGMENTS

__all__ = ['RandomBatchAugment']


@BATCH_AUGMENTS.register_module()
class RandomBatchAugment:
    """Apply one of ``augments`` to each batch.

    ``train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix',
    alpha=1.0)], probs=[0.3, 0.7])`` builds this.  Without ``probs`` one augment is chosen
    uniformly.  With ``probs`` an identity entry (``None``) is appended to :attr:`augments`
    with the remaining probability ``1 - sum(probs)`` (so ``probs=[0.5, 0.3]`` leaves a batch
    unchanged with probability 0.2), as MMClassification 1.x does.

    Args:
        augments: augment configs or callables ``(inputs, scores) -> (inputs, scores)``.
        probs: one probability per augment (a float for a single augment).
    """

    def __init__(self, augments: Union[dict, Callable, Sequence[Union[dict, Callable]]],
                 probs: Union[float, Sequence[float], None] = None):
        if not isinstance(augments, (list, tuple)):
            augments = [augments]
        if not augments:
            raise ValueError('RandomBatchAugment: augments must not be empty')
        self.augments: List[Optional[Callable]] = [
            BATCH_AUGMENTS.build(aug) if isinstance(aug, dict) else aug for aug in augments]
        if isinstance(probs, (int, float)):
            probs = [float(probs)]
        if probs is not None:
            probs = [float(p) for p in probs]
            if len(probs) != len(self.augments):
                raise ValueError(f'RandomBatchAugment: {len(probs)} probs for '
                                 f'{len(self.augments)} augments')
            if any(p < 0 for p in probs) or sum(probs) > 1 + 1e-6:
                raise ValueError(f'RandomBatchAugment: probs {probs} must be >= 0 and sum to at '
                                 'most 1')
            self.augments.append(None)
            probs.append(max(0.0, 1.0 - sum(probs)))
        self.probs: Optional[List[float]] = probs

    def choose(self) -> Optional[Callable]:
        """The augment for this batch (None: leave it unchanged)."""
        weights = None if self.probs is None else np.asarray(self.probs) / sum(self.probs)
        return self.augments[int(np.random.choice(len(self.augments), p=weights))]

    def __call__(self, batch_inputs: torch.Tensor,
                 batch_score: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        augment = self.choose()
        if augment is None:
            return batch_inputs, batch_score
        return augment(batch_inputs, batch_score)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(augments={self.augments}, probs={self.probs})'
