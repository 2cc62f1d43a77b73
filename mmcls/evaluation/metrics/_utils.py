"""Shared helpers of the metrics: input conversion, label formats and the
precision/recall/F1 arithmetic used by single- and multi-label metrics.

Metrics receive data samples as nested dicts (``ClsDataSample.to_dict()``,
see CONTRIBUTING.md) but may also read result pickles written in the flat
MMPretrain layout (``pred_score``, ``pred_label``, ``gt_label``), so the
field readers here accept both.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mmcls.structures import BaseDataElement

ArrayLike = Union[torch.Tensor, np.ndarray, Sequence]

AVERAGE_OPTIONS = ('macro', 'micro', None)
PRF_ITEMS = ('precision', 'recall', 'f1-score', 'support')

__all__ = ['to_tensor', 'label_to_onehot', 'precision_recall_f1_support', 'check_items',
           'check_same_length', 'check_not_empty', 'pred_score_of', 'pred_label_of', 'gt_label_of',
           'gt_score_of', 'thr_suffix', 'normalize_thrs', 'label_metric_inputs',
           'check_num_classes_given']


def to_tensor(value: ArrayLike, name: str = 'value') -> torch.Tensor:
    """Convert an ndarray, a (nested) sequence or a number to a tensor."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) and isinstance(value[0], (torch.Tensor, np.ndarray)):
            return torch.stack([to_tensor(v, name) for v in value])
        return torch.tensor(value)
    raise TypeError(f'{name} of type {type(value)} is not an accepted type; '
                    'expected a tensor, an ndarray or a sequence')


def label_to_onehot(label: ArrayLike, num_classes: int) -> torch.Tensor:
    """Class indices ``(k,)`` -> a ``(num_classes,)`` 0/1 LongTensor."""
    label = to_tensor(label, 'label').long().flatten()
    if label.numel() and (int(label.max()) >= num_classes or int(label.min()) < 0):
        raise ValueError(f'label {label.tolist()} is out of range for {num_classes} classes')
    onehot = torch.zeros(num_classes, dtype=torch.long)
    onehot[label] = 1
    return onehot


def check_not_empty(num: int, what: str) -> None:
    if num == 0:
        raise ValueError(f'{what}: there is nothing to evaluate (0 samples); '
                         'process() must receive at least one data sample')


def check_same_length(pred: torch.Tensor, target: torch.Tensor) -> None:
    if pred.size(0) != target.size(0):
        raise ValueError(f"the size of pred ({pred.size(0)}) doesn't match "
                         f'the target ({target.size(0)})')


def label_metric_inputs(pred: ArrayLike, target: ArrayLike,
                        owner: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """``pred`` (labels or scores) as a tensor and ``target`` as flat class indices.

    Raises ``ValueError`` when they differ in length or hold no sample
    (``owner`` names the metric).
    """
    pred = to_tensor(pred, 'pred')
    target = to_tensor(target, 'target').long().flatten()
    check_same_length(pred, target)
    check_not_empty(pred.size(0), owner)
    return pred, target


def check_num_classes_given(num_classes: Optional[int], owner: str) -> None:
    """Labels (not scores) as ``pred`` do not tell the number of classes: it must be given."""
    if num_classes is None:
        raise ValueError(f'{owner}.calculate: `num_classes` is required when '
                         '`pred` holds labels instead of scores')


def check_items(items: Sequence[str], owner: str) -> Tuple[str, ...]:
    if isinstance(items, str):
        items = (items, )
    for item in items:
        if item not in PRF_ITEMS:
            raise ValueError(f'{owner}: unknown item {item!r} in `items`; '
                             f'choose from {list(PRF_ITEMS)}')
    return tuple(items)


def normalize_thrs(thrs: Union[float, Sequence[Optional[float]], None]) -> Tuple:
    """``0.5`` -> ``(0.5,)``; ``None`` -> ``(None,)``; sequences become tuples."""
    if thrs is None or isinstance(thrs, (int, float)):
        return (thrs, )
    return tuple(thrs)


def thr_suffix(thr: Optional[float]) -> str:
    """The name suffix MMClassification 1.x gives a threshold: ``_thr-0.50`` or ``_no-thr``."""
    return '_no-thr' if thr is None else f'_thr-{thr:.2f}'


def precision_recall_f1_support(pred_positive: torch.Tensor, gt_positive: torch.Tensor,
                                average: Optional[str]) -> Tuple[torch.Tensor, ...]:
    """Precision, recall, F1 (in %) and support from ``(N, C)`` 0/1 matrices.

    Entries of ``gt_positive`` equal to -1 (VOC "difficult" labels) are
    ignored.  ``average='macro'`` averages the per-class values, ``'micro'``
    pools the counts of all classes first, ``None`` keeps one value per class.
    A class that is never predicted gets precision 0 (no division by zero).
    """
    if average not in AVERAGE_OPTIONS:
        raise ValueError(f'invalid average {average!r}; choose from {list(AVERAGE_OPTIONS)}')
    pred_positive = pred_positive.long().clone()
    gt_positive = gt_positive.long().clone()
    ignored = gt_positive == -1
    pred_positive[ignored] = 0
    gt_positive[ignored] = 0

    correct = pred_positive & gt_positive
    dims = None if average == 'micro' else 0
    tp = correct.sum() if dims is None else correct.sum(0)
    pred_sum = pred_positive.sum() if dims is None else pred_positive.sum(0)
    gt_sum = gt_positive.sum() if dims is None else gt_positive.sum(0)

    precision = tp / torch.clamp(pred_sum, min=1).float() * 100
    recall = tp / torch.clamp(gt_sum, min=1).float() * 100
    f1 = 2 * precision * recall / torch.clamp(precision + recall,
                                             min=torch.finfo(torch.float32).eps)
    if average is None:
        return precision, recall, f1, gt_sum
    return precision.mean(), recall.mean(), f1.mean(), gt_sum.sum()


# -- reading fields of a data sample dict ----------------------------------
def _is_node(value: Any) -> bool:
    return isinstance(value, (dict, BaseDataElement))


def _get(node: Any, key: str) -> Any:
    return node.get(key) if _is_node(node) else None


def _as_tensor(value: Any) -> Optional[torch.Tensor]:
    if value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return torch.tensor([int(value)])
    return to_tensor(value).cpu()


def pred_score_of(sample: Any) -> Optional[torch.Tensor]:
    """``pred_label.score`` (nested layout) or ``pred_score`` (flat layout), else None."""
    score = _get(_get(sample, 'pred_label'), 'score')
    return _as_tensor(score if score is not None else _get(sample, 'pred_score'))


def pred_label_of(sample: Any) -> Optional[torch.Tensor]:
    """The predicted class indices, or None when only scores were stored."""
    node = _get(sample, 'pred_label')
    return _as_tensor(_get(node, 'label') if _is_node(node) else node)


def gt_label_of(sample: Any) -> torch.Tensor:
    """The ground-truth class indices as a 1-D LongTensor."""
    node = _get(sample, 'gt_label')
    label = _as_tensor(_get(node, 'label') if _is_node(node) else node)
    if label is None:
        raise KeyError('a data sample has no gt_label: evaluation needs ground truth '
                       '(is the test split annotated?)')
    return label.long().flatten()


def gt_score_of(sample: Any) -> Optional[torch.Tensor]:
    """``gt_label.score`` (soft/one-hot target) or flat ``gt_score``, else None."""
    score = _get(_get(sample, 'gt_label'), 'score')
    return _as_tensor(score if score is not None else _get(sample, 'gt_score'))
