"""``CorruptionError``: mean Corruption Error (mCE) on ImageNet-C.

Hendrycks & Dietterich, "Benchmarking Neural Network Robustness to Common
Corruptions and Perturbations" (ICLR 2019): for each corruption type the
top-1 error over all severities is divided by AlexNet's error on the same
corruption, and mCE is the mean of these ratios.  The corruption of a sample
is read from its ``img_path`` (``.../imagenet-c/<corruption>/<severity>/...``).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch

from mmcls.registry import METRICS
from .single_label import Accuracy

__all__ = ['CorruptionError', 'ALEXNET_CORRUPTION_ERROR']

# AlexNet top-1 error of each ImageNet-C corruption, averaged over the 5 severities.
ALEXNET_CORRUPTION_ERROR: Dict[str, float] = {
    'gaussian_noise': 0.886428, 'shot_noise': 0.894468, 'impulse_noise': 0.922640,
    'defocus_blur': 0.819880, 'glass_blur': 0.826268, 'motion_blur': 0.785948,
    'zoom_blur': 0.798360, 'snow': 0.866816, 'frost': 0.826572, 'fog': 0.819324,
    'brightness': 0.564592, 'contrast': 0.853204, 'elastic_transform': 0.646056,
    'pixelate': 0.717840, 'jpeg_compression': 0.606500,
}


def corruption_of(img_path: str) -> Optional[str]:
    """The ImageNet-C corruption named by a folder of ``img_path``, or None."""
    parts = str(img_path).replace('\\', '/').split('/')
    return next((p for p in parts if p in ALEXNET_CORRUPTION_ERROR), None)


@METRICS.register_module()
class CorruptionError(Accuracy):
    """mCE (a ratio; AlexNet scores 1.0), reported as ``accuracy/mCE``.

    The error is ``100 - top-k accuracy`` with the first ``topk`` and first
    ``thrs`` value.  Samples of folders that are not an ImageNet-C corruption
    are ignored.

    Args:
        topk, thrs, collect_device, prefix, ann_file: see :class:`Accuracy`.
    """

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample, record in zip(data_samples, self._records(data_samples)):
            img_path = sample.get('img_path')
            if img_path is None:
                raise KeyError('CorruptionError needs the img_path of every sample to tell '
                               'its corruption type')
            record['img_path'] = img_path
            self.results.append(record)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """mCE of records holding ``img_path``, ``gt_label`` and ``pred_score`` (or ``pred_label``).

        The corruption is read from ``img_path`` here rather than in :meth:`process`,
        so records built by hand (as MMClassification 1.x's own records are) work too.
        """
        groups: Dict[str, List[dict]] = {}
        for record in results:
            corruption = corruption_of(record['img_path'])
            if corruption is not None:
                groups.setdefault(corruption, []).append(record)
        if not groups:
            raise ValueError('CorruptionError found no ImageNet-C corruption in the image paths; '
                             'expected folders such as .../gaussian_noise/<severity>/... '
                             f'(known: {sorted(ALEXNET_CORRUPTION_ERROR)})')
        ratios = []
        for corruption, records in groups.items():
            error = 100.0 - self._top_accuracy(records)
            ratios.append(error / (100.0 * ALEXNET_CORRUPTION_ERROR[corruption]))
        return {'mCE': sum(ratios) / len(ratios)}

    def _top_accuracy(self, records: List[dict]) -> float:
        target = torch.cat([r['gt_label'] for r in records])
        if 'pred_score' in records[0]:
            scores = torch.stack([r['pred_score'] for r in records])
            return self.calculate(scores, target, self.topk[:1], self.thrs[:1])[0][0].item()
        labels = torch.cat([r['pred_label'] for r in records])
        return self.calculate(labels, target).item()
