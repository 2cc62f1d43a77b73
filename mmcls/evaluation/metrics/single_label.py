"""Single-label metrics: ``Accuracy`` (top-k) and ``SingleLabelMetric``
(precision / recall / F1-score / support), with MMClassification 1.x names
(``accuracy/top1``, ``accuracy/top1_thr-0.50``, ``single-label/f1-score``).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

from mmcls.registry import METRICS
from ._utils import (AVERAGE_OPTIONS, ArrayLike, check_items, check_num_classes_given,
                     gt_label_of, label_metric_inputs, normalize_thrs, pred_label_of,
                     pred_score_of, precision_recall_f1_support, thr_suffix, to_tensor)
from .base_metric import BaseMetric
from .confusion_matrix import ConfusionMatrix  # noqa: F401  (rc6's import path)

__all__ = ['Accuracy', 'SingleLabelMetric', 'candidate_indices']


def _single_label_records(data_samples: Sequence[dict], owner: str,
                          num_classes: Optional[int] = None) -> List[dict]:
    """``{'pred_score' | 'pred_label', 'gt_label'[, 'num_classes']}`` for each sample."""
    records = []
    for sample in data_samples:
        record = {'gt_label': gt_label_of(sample)}
        score = pred_score_of(sample)
        if score is not None:
            record['pred_score'] = score.float()
        else:
            label = pred_label_of(sample)
            if label is None:
                raise KeyError(f'{owner}: a data sample has neither pred_label.score nor '
                               'pred_label.label')
            record['pred_label'] = label.long().flatten()
            if num_classes is not None:
                record['num_classes'] = num_classes
        records.append(record)
    return records


def _stack_predictions(results: List[dict], owner: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(pred, target)``: scores ``(N, C)`` or labels ``(N,)`` with targets ``(N,)``."""
    kinds = {'pred_score' in r for r in results}
    if len(kinds) > 1:
        raise ValueError(f'{owner}: some data samples carry pred scores and others only '
                         'pred labels; evaluate them with the same model output')
    target = torch.cat([r['gt_label'] for r in results])
    if len(target) != len(results):
        raise ValueError(f'{owner} is a single-label metric but some samples have '
                         f'{len(target)} gt labels for {len(results)} samples; use '
                         'MultiLabelMetric for multi-label data')
    if 'pred_score' in results[0]:
        return torch.stack([r['pred_score'] for r in results]), target
    return torch.cat([r['pred_label'] for r in results]), target


@METRICS.register_module()
class Accuracy(BaseMetric):
    """Top-k accuracy (in %): a sample is correct when its ground truth is
    among the ``k`` highest scores (and that score exceeds the threshold).

    Args:
        topk: ``k`` or several ``k`` to report, e.g. ``(1, 5)``.
        thrs: score threshold(s); a correct prediction with score ``<= thr``
            counts as wrong. ``None`` means no threshold.  With several
            thresholds the names get ``_thr-0.50`` / ``_no-thr`` suffixes.
        collect_device, prefix: see :class:`BaseMetric`.
        ann_file: optional annotation file (``<path> <label>`` per line) of
            a dataset that covers only some of the model's classes, such as
            ImageNet-A/R/S evaluated with a 1000-class model.  The labels it
            names are the candidate classes: 1.0 is added to their scores
            before ranking, so top-k is taken among the candidates first.

    Example:
        >>> Accuracy.calculate([0, 2, 1, 3], [0, 1, 2, 3])
        tensor([50.])
    """

    default_prefix = 'accuracy'

    def __init__(self,
                 topk: Union[int, Sequence[int]] = (1, ),
                 thrs: Union[float, Sequence[Optional[float]], None] = 0.,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 ann_file: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = _check_topk((topk, ) if isinstance(topk, int) else tuple(topk), 'Accuracy')
        self.thrs = normalize_thrs(thrs)
        self.index_candidates = candidate_indices(ann_file)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(self._records(data_samples))

    def _records(self, data_samples: Sequence[dict]) -> List[dict]:
        """The samples' records, with the candidate classes' scores raised by 1."""
        records = _single_label_records(data_samples, type(self).__name__)
        if self.index_candidates is not None:
            for record in records:
                if 'pred_score' in record:
                    score = record['pred_score'].clone()
                    score[self.index_candidates] += 1.0
                    record['pred_score'] = score
        return records

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        pred, target = _stack_predictions(results, 'Accuracy')
        if pred.ndim == 1:
            return {'top1': self.calculate(pred, target).item()}
        try:
            acc = self.calculate(pred, target, self.topk, self.thrs)
        except ValueError as e:
            raise ValueError(f'{e} Please check the `val_evaluator` and `test_evaluator` '
                             'fields of your config.') from e
        metrics = {}
        for i, k in enumerate(self.topk):
            for j, thr in enumerate(self.thrs):
                name = f'top{k}' + (thr_suffix(thr) if len(self.thrs) > 1 else '')
                metrics[name] = acc[i][j].item()
        return metrics

    @staticmethod
    def calculate(pred: ArrayLike, target: ArrayLike, topk: Sequence[int] = (1, ),
                  thrs: Sequence[Optional[float]] = (0., )
                  ) -> Union[torch.Tensor, List[List[torch.Tensor]]]:
        """Accuracy of labels ``(N,)`` or scores ``(N, C)`` against targets ``(N,)``.

        Returns a ``(1,)`` tensor for labels (``topk``/``thrs`` ignored), and
        for scores a list over ``topk`` of lists over ``thrs`` of ``(1,)``
        tensors.  Raises ``ValueError`` for empty input, mismatched lengths
        and ``max(topk)`` larger than the number of classes.
        """
        pred, target = label_metric_inputs(pred, target, 'Accuracy')
        num = pred.size(0)
        if pred.ndim == 1:
            return pred.long().eq(target).float().sum(0, keepdim=True).mul_(100. / num)

        topk = _check_topk(tuple(topk), 'Accuracy')
        pred = pred.float()
        maxk = max(topk)
        if maxk > pred.size(1):
            raise ValueError(f'Top-{maxk} accuracy is unavailable since the number of '
                             f'categories is {pred.size(1)}.')
        top_score, top_label = pred.topk(maxk, dim=1)
        correct = top_label.t().eq(target.view(1, -1))  # (maxk, N)
        results = []
        for k in topk:
            row = []
            for thr in normalize_thrs(thrs):
                hits = correct if thr is None else correct & (top_score.t() > thr)
                row.append(hits[:k].reshape(-1).float().sum(0, keepdim=True).mul_(100. / num))
            results.append(row)
        return results


def candidate_indices(ann_file: Optional[str]) -> Optional[List[int]]:
    """The distinct labels (last field of each line) of ``ann_file``, in order, or None."""
    if ann_file is None:
        return None
    try:
        with open(ann_file, encoding='utf-8') as f:
            lines = [line.split() for line in f if line.strip()]
    except OSError as e:
        raise FileNotFoundError(f'Accuracy: cannot read ann_file {ann_file!r}: {e}') from e
    try:
        labels = [int(fields[-1]) for fields in lines]
    except ValueError as e:
        raise ValueError(f'Accuracy: ann_file {ann_file!r} has a line whose last field is '
                         f'not an integer label: {e}') from e
    return list(dict.fromkeys(labels))


def _check_topk(topk: Tuple[int, ...], owner: str) -> Tuple[int, ...]:
    if not topk or any(not isinstance(k, int) or k <= 0 for k in topk):
        raise ValueError(f'{owner}: topk must be positive integers, got {topk!r}')
    return topk


@METRICS.register_module()
class SingleLabelMetric(BaseMetric):
    """Precision, recall, F1-score (in %) and support for single-label tasks.

    Args:
        thrs: score threshold(s); a top-1 prediction with score ``<= thr`` is
            treated as "no prediction". ``None`` keeps every top-1 prediction.
        items: which of ``'precision'``, ``'recall'``, ``'f1-score'``,
            ``'support'`` to report.
        average: ``'macro'`` (mean over classes, names ``precision``),
            ``'micro'`` (pooled counts, names ``precision_micro``) or ``None``
            (per-class lists, names ``precision_classwise``).
        num_classes: needed only when predictions carry labels but no scores.
        collect_device, prefix: see :class:`BaseMetric`.

    Example:
        >>> SingleLabelMetric.calculate([0, 1, 1, 3], [0, 2, 1, 3], num_classes=4)
        (tensor(62.5000), tensor(75.), tensor(66.6667), tensor(4))
    """

    default_prefix = 'single-label'

    def __init__(self,
                 thrs: Union[float, Sequence[Optional[float]], None] = 0.,
                 items: Sequence[str] = ('precision', 'recall', 'f1-score'),
                 average: Optional[str] = 'macro',
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if average not in AVERAGE_OPTIONS:
            raise ValueError(f'SingleLabelMetric: invalid average {average!r}; choose from '
                             f'{list(AVERAGE_OPTIONS)}')
        self.thrs = normalize_thrs(thrs)
        self.items = check_items(items, 'SingleLabelMetric')
        self.average = average
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            num_classes = self.num_classes or _num_classes_of(sample)
            self.results.extend(_single_label_records([sample], 'SingleLabelMetric', num_classes))

    def compute_metrics(self, results: List[dict]) -> Dict[str, object]:
        pred, target = _stack_predictions(results, 'SingleLabelMetric')
        metrics = {}
        if pred.ndim == 2:
            per_thr = self.calculate(pred, target, thrs=self.thrs, average=self.average)
            for thr, values in zip(self.thrs, per_thr):
                suffix = thr_suffix(thr) if len(self.thrs) > 1 else ''
                metrics.update({k + suffix: v for k, v in self._pack(values).items()})
        else:
            num_classes = results[0].get('num_classes')
            if num_classes is None:
                raise ValueError('SingleLabelMetric: predictions carry labels but no scores, '
                                 'so `num_classes` must be given to the metric')
            metrics = self._pack(self.calculate(pred, target, average=self.average,
                                                num_classes=num_classes))
        return {self._name(k): _to_python(v, self.average) for k, v in metrics.items()}

    def _pack(self, values: Tuple[torch.Tensor, ...]) -> Dict[str, torch.Tensor]:
        return {item: value for item, value in zip(
            ('precision', 'recall', 'f1-score', 'support'), values) if item in self.items}

    def _name(self, key: str) -> str:
        if self.average is None:
            return f'{key}_classwise'
        return f'{key}_micro' if self.average == 'micro' else key

    @staticmethod
    def calculate(pred: ArrayLike, target: ArrayLike,
                  thrs: Sequence[Optional[float]] = (0., ),
                  average: Optional[str] = 'macro',
                  num_classes: Optional[int] = None
                  ) -> Union[Tuple[torch.Tensor, ...], List[Tuple[torch.Tensor, ...]]]:
        """Precision, recall, F1-score and support of labels or scores.

        For labels ``(N,)`` (``num_classes`` required) returns one tuple; for
        scores ``(N, C)`` returns one tuple per threshold of ``thrs``.
        """
        if average not in AVERAGE_OPTIONS:
            raise ValueError(f'invalid average {average!r}; choose from {list(AVERAGE_OPTIONS)}')
        pred, target = label_metric_inputs(pred, target, 'SingleLabelMetric')
        if pred.ndim == 1:
            check_num_classes_given(num_classes, 'SingleLabelMetric')
            gt_positive = _onehot(target, num_classes, 'target')
            pred_positive = _onehot(pred.long(), num_classes, 'pred')
            return precision_recall_f1_support(pred_positive, gt_positive, average)

        num_classes = pred.size(1)
        top_score, top_label = pred.float().max(dim=1)
        gt_positive = _onehot(target, num_classes, 'target')
        results = []
        for thr in normalize_thrs(thrs):
            pred_positive = F.one_hot(top_label, num_classes)
            if thr is not None:
                pred_positive[top_score <= thr] = 0
            results.append(precision_recall_f1_support(pred_positive, gt_positive, average))
        return results


def _onehot(labels: torch.Tensor, num_classes: int, name: str) -> torch.Tensor:
    if labels.numel() and (int(labels.max()) >= num_classes or int(labels.min()) < 0):
        raise ValueError(f'{name} has labels outside [0, {num_classes}): '
                         f'{sorted(set(labels.tolist()))[:10]}')
    return F.one_hot(labels, num_classes)


def _num_classes_of(sample) -> Optional[int]:
    """``num_classes`` stored on the sample or its label elements, if any."""
    for node in (sample, sample.get('pred_label'), sample.get('gt_label')):
        value = node.get('num_classes') if hasattr(node, 'get') else None
        if value is not None:
            return int(value)
    return None


def _to_python(value: torch.Tensor, average: Optional[str]):
    return value.detach().cpu().tolist() if average is None else value.item()
