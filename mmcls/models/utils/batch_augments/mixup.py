"""Mixup batch augmentation (Zhang et al., 2018)."""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch

from mmcls.registry import BATCH_AUGMENTS

__all__ = ['Mixup', 'check_batch_score']


def check_batch_score(batch_score: torch.Tensor, name: str) -> None:
    """Batch augments need one-hot/soft labels of shape ``(N, num_classes)``."""
    if batch_score.ndim != 2:
        raise ValueError(f'{name}: batch_score must be one-hot/soft labels of shape '
                         f'(N, num_classes), got shape {tuple(batch_score.shape)}')


@BATCH_AUGMENTS.register_module()
class Mixup:
    """Blend each image and label with another sample of the batch.

    ``lam ~ Beta(alpha, alpha)``; inputs become ``lam * x + (1 - lam) * x[perm]``
    and scores likewise, so each mixed score still sums to 1.

    Args:
        alpha: the Beta distribution parameter (> 0).
    """

    def __init__(self, alpha: float):
        if not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f'{type(self).__name__}: alpha must be a positive number, got '
                             f'{alpha!r}')
        self.alpha = float(alpha)

    def mix(self, batch_inputs: torch.Tensor,
            batch_scores: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Mix a batch ``(N, C, H, W)`` with its scores ``(N, num_classes)``."""
        lam = float(np.random.beta(self.alpha, self.alpha))
        index = torch.randperm(batch_inputs.size(0), device=batch_inputs.device)
        mixed_inputs = lam * batch_inputs + (1 - lam) * batch_inputs[index]
        mixed_scores = lam * batch_scores + (1 - lam) * batch_scores[index]
        return mixed_inputs, mixed_scores

    def __call__(self, batch_inputs: torch.Tensor,
                 batch_score: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        check_batch_score(batch_score, type(self).__name__)
        return self.mix(batch_inputs, batch_score)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(alpha={self.alpha})'
