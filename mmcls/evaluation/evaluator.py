"""``Evaluator``: feed model outputs to one or several metrics and merge their results.

``val_evaluator``/``test_evaluator`` in a config may be one metric config or
a list; the runner wraps them in an ``Evaluator``.  Each
``ClsDataSample`` is converted to a nested dict with ``to_dict()`` before the
metrics see it (CONTRIBUTING.md, data flow step 6).
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from mmcls.registry import EVALUATOR, METRICS
from mmcls.structures import BaseDataElement
from .metrics.base_metric import BaseMetric, dataset_meta_property

__all__ = ['Evaluator']

MetricLike = Union[BaseMetric, dict]


def _is_metric_like(obj: Any) -> bool:
    return callable(getattr(obj, 'process', None)) and callable(getattr(obj, 'evaluate', None))


@EVALUATOR.register_module()
class Evaluator:
    """Run several metrics over the same predictions.

    Args:
        metrics: a metric, a metric config dict, or a list of them.

    Example:
        >>> evaluator = Evaluator([dict(type='Accuracy', topk=(1, 5))])
        >>> evaluator.process(data_samples)        # once per batch
        >>> evaluator.evaluate(len(dataset))       # {'accuracy/top1': ..., 'accuracy/top5': ...}
    """

    def __init__(self, metrics: Union[MetricLike, Sequence[MetricLike]]) -> None:
        self._dataset_meta: Optional[dict] = None
        if isinstance(metrics, (dict, BaseMetric)) or _is_metric_like(metrics):
            metrics = [metrics]
        if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence) or not metrics:
            raise ValueError('Evaluator needs a metric, a metric config or a non-empty list of '
                             f'them, got {metrics!r}')
        self.metrics: List[BaseMetric] = [self._build(m) for m in metrics]

    @staticmethod
    def _build(metric: MetricLike) -> BaseMetric:
        """A config dict is built; a metric is used as is.  Besides ``BaseMetric``, any
        object with ``process()`` and ``evaluate()`` counts as a metric (MMEngine's
        evaluator takes metrics by duck typing too)."""
        if isinstance(metric, dict):
            return METRICS.build(metric)
        if isinstance(metric, BaseMetric) or _is_metric_like(metric):
            return metric
        raise TypeError(f'an evaluator metric must be a BaseMetric or a config dict (or an '
                        f'object with process() and evaluate()), '
                        f'got {type(metric).__name__}: {metric!r}')

    dataset_meta = dataset_meta_property(lambda evaluator: evaluator.metrics)

    def process(self, data_samples: Sequence[Any], data_batch: Optional[Any] = None) -> None:
        """Hand one batch of predictions (``ClsDataSample`` or dicts) to every metric."""
        samples = [s.to_dict() if isinstance(s, BaseDataElement) else s for s in data_samples]
        for metric in self.metrics:
            metric.process(data_batch, samples)

    def evaluate(self, size: int) -> Dict[str, Any]:
        """Compute every metric over the ``size`` samples of the dataset and merge them.

        Raises ``ValueError`` when two metrics produce the same name (give one
        of them a ``prefix``).
        """
        results: Dict[str, Any] = {}
        for metric in self.metrics:
            for name, value in metric.evaluate(size).items():
                if name in results:
                    raise ValueError(f'two metrics produce {name!r} ({type(metric).__name__} '
                                     'and an earlier one); set a different `prefix` on one')
                results[name] = value
        return results

    def offline_evaluate(self, data_samples: Sequence[Any], data: Optional[Sequence] = None,
                         chunk_size: int = 1) -> Dict[str, Any]:
        """Evaluate saved predictions (e.g. a ``DumpResults`` pickle) without a model.

        Args:
            data_samples: the predictions of the whole dataset.
            data: the matching inputs, if the metrics need them.
            chunk_size: how many samples to process at a time.
        """
        if chunk_size < 1:
            raise ValueError(f'chunk_size must be >= 1, got {chunk_size}')
        if data is not None and len(data) != len(data_samples):
            raise ValueError(f'data ({len(data)}) and data_samples ({len(data_samples)}) '
                             'must have the same length')
        for start in range(0, len(data_samples), chunk_size):
            batch = data[start:start + chunk_size] if data is not None else None
            self.process(data_samples[start:start + chunk_size], batch)
        return self.evaluate(len(data_samples))

    def __iter__(self) -> Iterator[BaseMetric]:
        return iter(self.metrics)

    def __repr__(self) -> str:
        names = ', '.join(type(m).__name__ for m in self.metrics)
        return f'Evaluator(metrics=[{names}])'
