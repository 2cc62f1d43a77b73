"""ResizeMix batch augmentation (Qin et al., 2020)."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from mmcls.registry import BATCH_AUGMENTS

from .cutmix import CutMix

__all__ = ['ResizeMix']


@BATCH_AUGMENTS.register_module()
class ResizeMix(CutMix):
    """Paste a *resized* copy of another sample into a box of each image.

    ``lam = Beta(alpha, alpha) * (lam_max - lam_min) + lam_min`` sets the box
    area ``(1 - lam)`` as in CutMix; the whole permuted image is resized into
    the box and the labels are mixed with the box's area share.

    Args:
        alpha: the Beta distribution parameter.
        lam_min, lam_max: the range ``lam`` is mapped into.
        interpolation: ``torch.nn.functional.interpolate`` mode.
        cutmix_minmax, correct_lam: see :class:`CutMix`.
    """

    def __init__(self, alpha: float, lam_min: float = 0.1, lam_max: float = 0.8,
                 interpolation: str = 'bilinear', cutmix_minmax: Optional[Sequence[float]] = None,
                 correct_lam: bool = True):
        super().__init__(alpha, cutmix_minmax=cutmix_minmax, correct_lam=correct_lam)
        if not 0 <= lam_min <= lam_max <= 1:
            raise ValueError(f'ResizeMix: need 0 <= lam_min <= lam_max <= 1, got {lam_min}, '
                             f'{lam_max}')
        self.lam_min = lam_min
        self.lam_max = lam_max
        self.interpolation = interpolation

    def mix(self, batch_inputs: torch.Tensor,
            batch_scores: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Resize the permuted batch into the box of ``batch_inputs`` (in place)."""
        lam = float(np.random.beta(self.alpha, self.alpha))
        lam = lam * (self.lam_max - self.lam_min) + self.lam_min
        index = torch.randperm(batch_inputs.size(0), device=batch_inputs.device)
        (y1, y2, x1, x2), lam = self.cutmix_bbox_and_lam(tuple(batch_inputs.shape[-2:]), lam)
        if y2 > y1 and x2 > x1:
            extra = {} if self.interpolation in ('nearest', 'area') else {'align_corners': False}
            batch_inputs[:, :, y1:y2, x1:x2] = F.interpolate(
                batch_inputs[index], size=(y2 - y1, x2 - x1), mode=self.interpolation, **extra)
        mixed_scores = lam * batch_scores + (1 - lam) * batch_scores[index]
        return batch_inputs, mixed_scores

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(alpha={self.alpha}, lam_min={self.lam_min}, lam_max='
                f'{self.lam_max}, interpolation={self.interpolation}, cutmix_minmax='
                f'{self.cutmix_minmax}, correct_lam={self.correct_lam})')
