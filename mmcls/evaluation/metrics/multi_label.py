"""Multi-label metrics: ``MultiLabelMetric`` (precision / recall / F1 of
thresholded or top-k predictions; the 0.x CP/CR/CF1 and OP/OR/OF1 are its
``macro`` and ``micro`` averages) and ``AveragePrecision`` (mAP).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mmcls.registry import METRICS
from ._utils import (AVERAGE_OPTIONS, ArrayLike, check_items, check_not_empty, gt_label_of,
                     gt_score_of, label_to_onehot, pred_score_of, precision_recall_f1_support,
                     to_tensor)
from .base_metric import BaseMetric

__all__ = ['MultiLabelMetric', 'AveragePrecision']


def multi_label_record(sample: dict, owner: str) -> Dict[str, torch.Tensor]:
    """``{'pred_score': (C,), 'gt_score': (C,)}``; a label list becomes one-hot."""
    pred_score = pred_score_of(sample)
    if pred_score is None:
        raise KeyError(f'{owner} needs prediction scores (pred_label.score) for every sample')
    pred_score = pred_score.float().flatten()
    gt_score = gt_score_of(sample)
    if gt_score is None:
        gt_score = label_to_onehot(gt_label_of(sample), pred_score.numel())
    return {'pred_score': pred_score, 'gt_score': gt_score.flatten().clone()}


def _format_matrix(value, is_indices: bool, num_classes: Optional[int], name: str) -> torch.Tensor:
    """An ``(N, C)`` tensor from a matrix, a list of one-hot rows or a list of index lists."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        value = to_tensor(value, name)
        if value.ndim != 2:
            raise ValueError(f'`{name}` must have shape (N, num_classes), '
                             f'got {tuple(value.shape)}')
        return value
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f'`{name}` of type {type(value)} is not an accepted type; '
                        'expected a tensor, an ndarray or a sequence')
    if is_indices:
        if num_classes is None:
            raise ValueError(f'`num_classes` is required when `{name}` holds class indices')
        return torch.stack([label_to_onehot(v, num_classes) for v in value]) if len(value) \
            else torch.zeros(0, num_classes, dtype=torch.long)
    return torch.stack([to_tensor(v, name) for v in value]) if len(value) \
        else torch.zeros(0, num_classes or 0)


class _ScoreRecordMetric(BaseMetric):
    """Base of the multi-label metrics: each sample is kept as ``pred_score``/``gt_score`` vectors."""

    default_prefix = 'multi-label'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(multi_label_record(s, type(self).__name__) for s in data_samples)

    @staticmethod
    def stack_scores(results: List[dict]) -> Tuple[torch.Tensor, torch.Tensor]:
        """The ``(N, C)`` predicted and target scores of the recorded samples."""
        return (torch.stack([r['pred_score'] for r in results]),
                torch.stack([r['gt_score'] for r in results]))


@METRICS.register_module()
class MultiLabelMetric(_ScoreRecordMetric):
    """Precision, recall, F1-score (in %) and support for multi-label tasks.

    A class is predicted positive when its score is ``>= thr``, or, if only
    ``topk`` is given, when it is among the ``topk`` highest scores.

    Args:
        thr: score threshold; with neither ``thr`` nor ``topk``, 0.5.  A
            threshold other than 0.5 adds ``_thr-0.30`` to the names.
        topk: predict the ``topk`` best classes (names get ``_top3``);
            ignored when ``thr`` is also given.
        items: which of ``'precision'``, ``'recall'``, ``'f1-score'``,
            ``'support'`` to report.
        average: ``'macro'`` (per-class mean: CP/CR/CF1), ``'micro'``
            (pooled counts: OP/OR/OF1, names ``_micro``), ``'both'`` (the two
            together) or ``None`` (per-class lists, ``_classwise``).
        collect_device, prefix: see :class:`BaseMetric`.
    """

    def __init__(self,
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 items: Sequence[str] = ('precision', 'recall', 'f1-score'),
                 average: Optional[str] = 'macro',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if average not in AVERAGE_OPTIONS + ('both', ):
            raise ValueError(f'MultiLabelMetric: invalid average {average!r}; choose from '
                             f"{list(AVERAGE_OPTIONS) + ['both']}")
        if topk is not None and (not isinstance(topk, int) or topk <= 0):
            raise ValueError(f'MultiLabelMetric: topk must be a positive int, got {topk!r}')
        if thr is None and topk is None:
            thr = 0.5
        elif thr is not None and topk is not None:
            self._warn('both thr and topk are given; thr is used and topk ignored')
            topk = None
        self.thr = thr
        self.topk = topk
        self.items = check_items(items, 'MultiLabelMetric')
        self.average = average

    def compute_metrics(self, results: List[dict]) -> Dict[str, object]:
        pred, target = self.stack_scores(results)
        if self.thr is not None:
            suffix = '' if self.thr == 0.5 else f'_thr-{self.thr:.2f}'
        else:
            suffix = f'_top{self.topk}'
        averages = ('macro', 'micro') if self.average == 'both' else (self.average, )
        metrics = {}
        for average in averages:
            values = self.calculate(pred, target, average=average, thr=self.thr, topk=self.topk)
            for item, value in zip(('precision', 'recall', 'f1-score', 'support'), values):
                if item not in self.items:
                    continue
                if average is None:
                    metrics[f'{item}{suffix}_classwise'] = value.detach().cpu().tolist()
                elif average == 'micro':
                    metrics[f'{item}{suffix}_micro'] = value.item()
                else:
                    metrics[f'{item}{suffix}'] = value.item()
        return metrics

    @staticmethod
    def calculate(pred: ArrayLike, target: ArrayLike,
                  pred_indices: bool = False,
                  target_indices: bool = False,
                  average: Optional[str] = 'macro',
                  thr: Optional[float] = None,
                  topk: Optional[int] = None,
                  num_classes: Optional[int] = None) -> Tuple[torch.Tensor, ...]:
        """Precision, recall, F1-score and support of ``(N, C)`` scores or one-hot rows.

        ``pred``/``target`` may also be lists of class-index lists when
        ``pred_indices``/``target_indices`` are set (then ``num_classes`` is
        required).  Target entries of -1 are ignored (VOC difficult labels).
        """
        if average not in AVERAGE_OPTIONS:
            raise ValueError(f'invalid average {average!r}; choose from {list(AVERAGE_OPTIONS)}')
        pred = _format_matrix(pred, pred_indices, num_classes, 'pred')
        target = _format_matrix(target, target_indices, num_classes, 'target').long()
        if pred.shape != target.shape:
            raise ValueError(f"the shape of pred {tuple(pred.shape)} doesn't match "
                             f'the target {tuple(target.shape)}')
        check_not_empty(pred.size(0), 'MultiLabelMetric')
        if num_classes is not None and pred.size(1) != num_classes:
            raise ValueError(f'pred has {pred.size(1)} classes but num_classes={num_classes}')
        if thr is None and topk is None:
            thr = 0.5
        if thr is not None:
            pred_positive = (pred >= thr).long()
        else:
            if topk > pred.size(1):
                raise ValueError(f'topk={topk} is larger than the number of categories '
                                 f'{pred.size(1)}')
            top_index = pred.topk(topk, dim=1).indices
            pred_positive = torch.zeros_like(target).scatter_(1, top_index, 1)
        return precision_recall_f1_support(pred_positive, target, average)


def _average_precision(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """AP of one class: the mean of the precisions at each true positive's rank.

    Targets of -1 (difficult) are dropped; a class without positives gets 0.
    """
    valid = target > -1
    pred, target = pred[valid], target[valid]
    order = torch.argsort(pred, descending=True, stable=True)
    positive = target[order] == 1
    num_positive = int(positive.sum())
    if num_positive == 0:
        return pred.new_tensor(0.)
    true_positives = torch.cumsum(positive, 0).float()
    ranks = torch.arange(1, len(positive) + 1, dtype=torch.float32)
    precision_at_hits = (true_positives / ranks)[positive]
    return precision_at_hits.sum() / num_positive


@METRICS.register_module()
class AveragePrecision(_ScoreRecordMetric):
    """Average precision (in %) per class and its mean, mAP.

    Args:
        average: ``'macro'`` reports ``mAP``; ``None`` reports the
            per-class list ``AP_classwise``.
        collect_device, prefix: see :class:`BaseMetric`.

    Example:
        >>> AveragePrecision.calculate(
        ...     torch.tensor([[0.9, 0.8, 0.3, 0.2], [0.1, 0.2, 0.2, 0.1],
        ...                   [0.7, 0.5, 0.9, 0.3], [0.8, 0.1, 0.1, 0.2]]),
        ...     torch.tensor([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]))
        tensor(70.8333)
    """

    def __init__(self, average: Optional[str] = 'macro', collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if average not in ('macro', None):
            raise ValueError(f"AveragePrecision: average must be 'macro' or None, "
                             f'got {average!r}')
        self.average = average

    def compute_metrics(self, results: List[dict]) -> Dict[str, object]:
        pred, target = self.stack_scores(results)
        ap = self.calculate(pred, target, self.average)
        if self.average is None:
            return {'AP_classwise': ap.detach().cpu().tolist()}
        return {'mAP': ap.item()}

    @staticmethod
    def calculate(pred: Union[torch.Tensor, np.ndarray], target: Union[torch.Tensor, np.ndarray],
                  average: Optional[str] = 'macro') -> torch.Tensor:
        """AP over classes of ``(N, C)`` scores against ``(N, C)`` 0/1(/-1) targets."""
        if average not in ('macro', None):
            raise ValueError(f"average must be 'macro' or None, got {average!r}")
        pred = to_tensor(pred, 'pred').float()
        target = to_tensor(target, 'target')
        if pred.ndim != 2 or pred.shape != target.shape:
            raise ValueError('pred and target must both have shape (N, num_classes), got '
                             f'{tuple(pred.shape)} and {tuple(target.shape)}')
        check_not_empty(pred.size(0), 'AveragePrecision')
        ap = torch.stack([_average_precision(pred[:, k], target[:, k])
                          for k in range(pred.size(1))])
        return ap.mean() * 100.0 if average == 'macro' else ap * 100.0
