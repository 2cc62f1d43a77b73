"""CutMix batch augmentation (Yun et al., 2019)."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
import torch

from mmcls.registry import BATCH_AUGMENTS

from .mixup import Mixup

__all__ = ['CutMix']

Box = Tuple[int, int, int, int]


@BATCH_AUGMENTS.register_module()
class CutMix(Mixup):
    """Paste a box of another sample into each image; mix labels by area.

    ``lam ~ Beta(alpha, alpha)`` sets the box area ``(1 - lam) * H * W``; the
    box centre is uniform and the box is clipped at the border.  With
    ``correct_lam`` (or ``cutmix_minmax``) ``lam`` is recomputed from the
    clipped box, so the label weights match the pasted area exactly.

    Args:
        alpha: the Beta distribution parameter.
        cutmix_minmax: ``(min, max)`` box side ratios; when set, the box sides
            are drawn uniformly in that range instead of from ``lam``.
        correct_lam: recompute ``lam`` from the clipped box.
    """

    def __init__(self, alpha: float, cutmix_minmax: Optional[Sequence[float]] = None,
                 correct_lam: bool = True):
        super().__init__(alpha)
        if cutmix_minmax is not None and len(cutmix_minmax) != 2:
            raise ValueError(f'{type(self).__name__}: cutmix_minmax must be (min, max), got '
                             f'{cutmix_minmax!r}')
        self.cutmix_minmax = cutmix_minmax
        self.correct_lam = correct_lam

    def rand_bbox_minmax(self, img_shape: Tuple[int, int]) -> Box:
        """A box with sides uniform in ``cutmix_minmax`` of the image sides."""
        img_h, img_w = img_shape
        low, high = self.cutmix_minmax
        cut_h = np.random.randint(int(img_h * low), int(img_h * high))
        cut_w = np.random.randint(int(img_w * low), int(img_w * high))
        y1 = np.random.randint(0, img_h - cut_h)
        x1 = np.random.randint(0, img_w - cut_w)
        return int(y1), int(y1 + cut_h), int(x1), int(x1 + cut_w)

    def rand_bbox(self, img_shape: Tuple[int, int], lam: float, margin: float = 0.) -> Box:
        """A box of area ``(1 - lam)`` of the image at a uniform centre, clipped."""
        ratio = np.sqrt(1 - lam)
        img_h, img_w = img_shape
        cut_h, cut_w = int(img_h * ratio), int(img_w * ratio)
        margin_y, margin_x = int(margin * cut_h), int(margin * cut_w)
        cy = np.random.randint(0 + margin_y, img_h - margin_y)
        cx = np.random.randint(0 + margin_x, img_w - margin_x)
        y1 = int(np.clip(cy - cut_h // 2, 0, img_h))
        y2 = int(np.clip(cy + cut_h // 2, 0, img_h))
        x1 = int(np.clip(cx - cut_w // 2, 0, img_w))
        x2 = int(np.clip(cx + cut_w // 2, 0, img_w))
        return y1, y2, x1, x2

    def cutmix_bbox_and_lam(self, img_shape: Tuple[int, int], lam: float) -> Tuple[Box, float]:
        """Draw the box ``(y1, y2, x1, x2)`` and the (corrected) ``lam``."""
        if self.cutmix_minmax is not None:
            box = self.rand_bbox_minmax(img_shape)
        else:
            box = self.rand_bbox(img_shape, lam)
        if self.correct_lam or self.cutmix_minmax is not None:
            y1, y2, x1, x2 = box
            lam = 1. - (y2 - y1) * (x2 - x1) / float(img_shape[0] * img_shape[1])
        return box, lam

    def mix(self, batch_inputs: torch.Tensor,
            batch_scores: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Paste the box of a permuted batch into ``batch_inputs`` (in place)."""
        lam = float(np.random.beta(self.alpha, self.alpha))
        index = torch.randperm(batch_inputs.size(0), device=batch_inputs.device)
        (y1, y2, x1, x2), lam = self.cutmix_bbox_and_lam(tuple(batch_inputs.shape[-2:]), lam)
        batch_inputs[:, :, y1:y2, x1:x2] = batch_inputs[index, :, y1:y2, x1:x2]
        mixed_scores = lam * batch_scores + (1 - lam) * batch_scores[index]
        return batch_inputs, mixed_scores

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(alpha={self.alpha}, cutmix_minmax={self.cutmix_minmax}, '
                f'correct_lam={self.correct_lam})')
