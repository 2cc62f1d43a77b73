"""``BaseMetric``: collect per-sample results, gather them across ranks, compute.

Each metric stores small per-sample records in ``self.results`` during
``process``; ``evaluate(size)`` gathers them from every rank in dataset order
(dropping the distributed sampler's padding), computes the metrics on rank 0,
broadcasts them and names them ``prefix/name`` (``accuracy/top1``).
"""
from __future__ import annotations

import warnings
from abc import ABCMeta, abstractmethod
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from mmcls.utils.dist import broadcast_object_list, collect_results, is_main_process

__all__ = ['BaseMetric', 'dataset_meta_property']


def dataset_meta_property(sub_metrics: Callable[[Any], Iterable['BaseMetric']]) -> property:
    """A ``dataset_meta`` property (meta information of the evaluated dataset: ``classes``, ...)
    stored as ``_dataset_meta``; setting it also sets it on every metric of
    ``sub_metrics(owner)``."""

    def get_meta(owner) -> Optional[dict]:
        return owner._dataset_meta

    def set_meta(owner, dataset_meta: Optional[dict]) -> None:
        owner._dataset_meta = dataset_meta
        for metric in sub_metrics(owner):
            metric.dataset_meta = dataset_meta

    return property(get_meta, set_meta, doc='Meta information of the evaluated dataset '
                    '(``classes``, ...); setting it also sets it on the sub-metrics.')


class BaseMetric(metaclass=ABCMeta):
    """Base class of the metrics (MMEngine's ``BaseMetric`` contract).

    Args:
        collect_device: where results are gathered, ``'cpu'`` or ``'gpu'``
            (results are gathered as picklable objects either way).
        prefix: name prefix of the outputs; defaults to ``default_prefix``.
    """

    default_prefix: Optional[str] = None

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        if collect_device not in ('cpu', 'gpu'):
            raise ValueError(f"{type(self).__name__}: collect_device must be 'cpu' or 'gpu', "
                             f'got {collect_device!r}')
        self.collect_device = collect_device
        self.prefix = prefix or self.default_prefix
        self.results: List[Any] = []
        self._dataset_meta: Optional[dict] = None

    dataset_meta = dataset_meta_property(lambda metric: ())

    @abstractmethod
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Append the records needed by :meth:`compute_metrics` to ``self.results``."""

    @abstractmethod
    def compute_metrics(self, results: list) -> Dict[str, Any]:
        """Compute the metrics (names without prefix) from all gathered records."""

    def evaluate(self, size: int) -> Dict[str, Any]:
        """Gather the records of all ranks, compute the metrics and reset.

        Args:
            size: length of the whole dataset; records beyond it (padding
                added by a distributed sampler) are dropped.
        """
        results = collect_results(self.results, size)
        self.results.clear()
        if len(results) == 0:  # every rank sees the same gathered list, so all raise
            raise ValueError(
                f'{type(self).__name__} got no results to evaluate: process() received no '
                'data samples (is the dataset or the dataloader empty?)')
        if is_main_process():
            metrics = self.compute_metrics(results)
            if self.prefix:
                metrics = {f'{self.prefix}/{k}': v for k, v in metrics.items()}
            payload = [metrics]
        else:
            payload = [None]
        broadcast_object_list(payload)
        return payload[0]

    def _warn(self, message: str) -> None:
        warnings.warn(f'{type(self).__name__}: {message}', stacklevel=3)
