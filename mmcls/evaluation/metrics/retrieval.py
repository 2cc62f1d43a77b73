"""``RetrievalRecall``: Recall@k of image retrieval (a query is a hit when one
of its ``k`` most similar gallery items is a correct match)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from mmcls.registry import METRICS
from ._utils import check_not_empty, gt_label_of, gt_score_of, label_to_onehot, pred_score_of, \
    to_tensor
from .base_metric import BaseMetric

__all__ = ['RetrievalRecall']

Matrix = Union[torch.Tensor, np.ndarray, Sequence]


def _check_topk(topk: Union[int, Sequence[int]]) -> tuple:
    topk = (topk, ) if isinstance(topk, int) else tuple(topk)
    if not topk or any(not isinstance(k, int) or k <= 0 for k in topk):
        raise ValueError(f'RetrievalRecall: topk must be positive integers, got {topk!r}')
    return topk


def _check_matrix_type(value, name: str) -> None:
    """Refuse a ``pred``/``target`` that is no tensor, array or sequence (a dict, a str...)
    before any conversion, so the error names the argument rather than a shape."""
    if isinstance(value, str) or not isinstance(value, (torch.Tensor, np.ndarray, Sequence)):
        raise TypeError(f'RetrievalRecall: {name} must be a tensor, an ndarray or a sequence, '
                        f'got {type(value).__name__}')


def _ranked_indices(pred: Matrix, max_k: int, is_indices: bool) -> List[torch.Tensor]:
    """Per query, the indices of the ``max_k`` best gallery items, best first (ranked indices
    are cut to ``max_k``; a score matrix must have at least ``max_k`` gallery columns)."""
    if is_indices:
        return [to_tensor(p, 'pred').long().flatten()[:max_k] for p in pred]
    scores = to_tensor(pred, 'pred')
    if scores.ndim != 2:
        raise ValueError(f'pred must have shape (N, M), got {tuple(scores.shape)}')
    if max_k > scores.size(1):
        raise ValueError(f'RetrievalRecall: topk {max_k} exceeds the gallery size '
                         f'{scores.size(1)}; every k must be at most the number of gallery items')
    return list(scores.topk(max_k, dim=1).indices)


def _positive_indices(target: Matrix, is_indices: bool) -> List[torch.Tensor]:
    """Per query, the indices of its correct gallery items."""
    if is_indices:
        return [to_tensor(t, 'target').long().flatten() for t in target]
    onehot = to_tensor(target, 'target')
    if onehot.ndim != 2:
        raise ValueError(f'target must have shape (N, M), got {tuple(onehot.shape)}')
    return [row.nonzero().flatten() for row in (onehot > 0)]


@METRICS.register_module()
class RetrievalRecall(BaseMetric):
    """Recall@k (in %), reported as ``retrieval/Recall@1``, ``Recall@5``...

    Each data sample holds the similarity of the query to every gallery item
    in ``pred_label.score`` and its matching gallery items in ``gt_label``
    (indices) or ``gt_label.score`` (one-hot).  Recall is computed per
    sample in ``process`` so that only one number per sample is gathered.

    Args:
        topk: ``k`` or several ``k``.
        collect_device, prefix: see :class:`BaseMetric`.

    Example:
        >>> RetrievalRecall.calculate([[0], [1], [2], [3]], [[0, 1], [2], [1], [0, 3]],
        ...                           topk=1, pred_indices=True, target_indices=True)
        [tensor(50.)]
    """

    default_prefix = 'retrieval'

    def __init__(self, topk: Union[int, Sequence[int]], collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = _check_topk(topk)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = pred_score_of(sample)
            if score is None:
                raise KeyError('RetrievalRecall needs similarity scores (pred_label.score)')
            target = gt_score_of(sample)
            if target is None:
                target = label_to_onehot(gt_label_of(sample), score.numel())
            recalls = self.calculate(score.view(1, -1), target.view(1, -1), self.topk)
            self.results.append([r.item() for r in recalls])

    def compute_metrics(self, results: List[List[float]]) -> Dict[str, float]:
        per_k = np.asarray(results, dtype=np.float64).mean(axis=0)
        return {f'Recall@{k}': float(v) for k, v in zip(self.topk, per_k)}

    @staticmethod
    def calculate(pred: Matrix, target: Matrix, topk: Union[int, Sequence[int]],
                  pred_indices: bool = False, target_indices: bool = False) -> List[torch.Tensor]:
        """Recall@k for each ``k`` of ``topk``, averaged over queries (in %).

        ``pred`` is ``(N, M)`` similarities or, with ``pred_indices``, ranked
        gallery indices per query; ``target`` is ``(N, M)`` one-hot or, with
        ``target_indices``, the correct gallery indices per query.
        """
        topk = _check_topk(topk)
        _check_matrix_type(pred, 'pred')
        _check_matrix_type(target, 'target')
        ranked = _ranked_indices(pred, max(topk), pred_indices)
        positives = _positive_indices(target, target_indices)
        if len(ranked) != len(positives):
            raise ValueError(f'pred has {len(ranked)} queries but target has {len(positives)}')
        check_not_empty(len(ranked), 'RetrievalRecall')
        results = []
        for k in topk:
            hits = torch.tensor([float(torch.isin(r[:k], p).any()) for r, p in
                                 zip(ranked, positives)])
            results.append(hits.mean() * 100)
        return results
