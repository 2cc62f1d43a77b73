"""``MultiTasksMetric``: run a list of metrics on each task of a multi-task model.

A multi-task data sample is a dict with one sub-sample per task
(``{'task0': {'pred_label': ..., 'gt_label': ..., 'eval_mask': True}, ...}``);
samples whose ``eval_mask`` is False have no label for that task and are
skipped by that task's metrics.  Outputs are named ``{task}_{metric name}``
(``task0_accuracy/top1``).
"""
from __future__ import annotations

from typing import Dict, List, Sequence

from mmcls.registry import METRICS
from mmcls.utils.dist import all_gather_object
from .base_metric import BaseMetric, dataset_meta_property

__all__ = ['MultiTasksMetric']


@METRICS.register_module()
class MultiTasksMetric(BaseMetric):
    """Metrics of several tasks.

    Args:
        task_metrics: task name -> list of metric configs (or one config).
        collect_device: see :class:`BaseMetric`.
    """

    def __init__(self, task_metrics: Dict[str, Sequence[dict]],
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not isinstance(task_metrics, dict) or not task_metrics:
            raise ValueError('MultiTasksMetric: task_metrics must be a non-empty dict of '
                             f'task name -> metric configs, got {task_metrics!r}')
        self.task_metrics = task_metrics
        self._metrics: Dict[str, List[BaseMetric]] = {}
        for task, cfgs in task_metrics.items():
            cfgs = [cfgs] if isinstance(cfgs, dict) else list(cfgs)
            self._metrics[task] = [
                cfg if isinstance(cfg, BaseMetric) else METRICS.build(cfg) for cfg in cfgs]

    dataset_meta = dataset_meta_property(
        lambda owner: [metric for metrics in owner._metrics.values() for metric in metrics])

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for task, metrics in self._metrics.items():
            selected = []
            for sample in data_samples:
                if task not in sample:
                    raise KeyError(f'MultiTasksMetric: a data sample has no task {task!r}; '
                                   f'it has {sorted(sample)}')
                task_sample = sample[task]
                if task_sample.get('eval_mask', True):
                    selected.append(task_sample)
            for metric in metrics:
                metric.process(data_batch, selected)

    def compute_metrics(self, results: list) -> dict:
        """Unused: :meth:`evaluate` delegates to the metrics of each task."""
        return {}

    def evaluate(self, size: int) -> dict:
        """Evaluate every task's metrics; a task without labelled samples reports 0."""
        metrics = {}
        for task, task_metrics in self._metrics.items():
            for metric in task_metrics:
                # every rank must take the same branch, so ask all of them
                if isinstance(metric, MultiTasksMetric) or any(
                        all_gather_object(bool(metric.results))):
                    results = metric.evaluate(size)
                else:
                    results = {type(metric).__name__: 0}
                for key, value in results.items():
                    name = f'{task}_{key}'
                    if name in metrics:
                        raise ValueError(f'MultiTasksMetric: two metrics of task {task!r} both '
                                         f'produce {key!r}; give them different prefixes')
                    metrics[name] = value
        return metrics
