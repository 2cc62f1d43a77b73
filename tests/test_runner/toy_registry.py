"""Registers the toy components under config names, for config-driven tests (``custom_imports``)."""
from mmcls.evaluation.metrics.base_metric import BaseMetric
from mmcls.registry import DATASETS, METRICS, MODELS

from runner_toys import ToyDataset, ToyModel


@MODELS.register_module(force=True)
class ToyClassifier(ToyModel):
    """ToyModel buildable from a config dict."""


@DATASETS.register_module(force=True)
class ToyBlobs(ToyDataset):
    """ToyDataset buildable from a config dict."""


@METRICS.register_module(force=True)
class ToyAccuracy(BaseMetric):
    """Top-1 accuracy (percent) of ``dict(pred, gt)`` predictions."""
    default_prefix = 'toy'

    def process(self, data_batch, data_samples):
        self.results.extend(s['pred'] == s['gt'] for s in data_samples)

    def compute_metrics(self, results):
        return {'accuracy': 100.0 * sum(results) / max(len(results), 1)}


__all__ = ['ToyClassifier', 'ToyBlobs', 'ToyAccuracy']
