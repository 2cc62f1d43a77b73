"""``DumpResults``: save every prediction to a pickle (``tools/test.py --out``).

The file holds a list, in dataset order, of the per-sample dicts the
Evaluator passes to metrics (``ClsDataSample.to_dict()`` with tensors moved
to the CPU): ``img_path``, ``sample_idx``, ``ori_shape``...,
``pred_label: {'label', 'score'}`` and ``gt_label: {'label'[, 'score']}``.
``tools/analysis_tools/eval_metric.py`` and ``analyze_results.py`` read it.
"""
from __future__ import annotations

import os
import pickle
import tempfile
from typing import Any, Dict, List, Sequence

import torch

from mmcls.registry import METRICS
from .base_metric import BaseMetric

__all__ = ['DumpResults', 'to_cpu', 'load_results']


def to_cpu(value: Any) -> Any:
    """A copy of ``value`` with every tensor detached and on the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if hasattr(value, 'to_dict') and callable(value.to_dict):
        return to_cpu(value.to_dict())
    if isinstance(value, dict):
        return {k: to_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_cpu(v) for v in value)
    return value


@METRICS.register_module()
class DumpResults(BaseMetric):
    """Pickle the predictions of every sample to ``out_file_path``.

    Args:
        out_file_path: destination, ending with ``.pkl`` or ``.pickle``.
        collect_device: see :class:`BaseMetric`.
    """

    def __init__(self, out_file_path: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not str(out_file_path).endswith(('.pkl', '.pickle')):
            raise ValueError(f'DumpResults: the output file must be a .pkl or .pickle file, '
                             f'got {out_file_path!r}')
        self.out_file_path = str(out_file_path)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        self.results.extend(to_cpu(sample) for sample in data_samples)

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        """Write the pickle (atomically: temp file then rename); no metric values."""
        folder = os.path.dirname(os.path.abspath(self.out_file_path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=folder, suffix='.tmp')
        try:
            with os.fdopen(fd, 'wb') as f:
                pickle.dump(list(results), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp_path, self.out_file_path)
        except BaseException:
            if os.path.exists(tmp_path):
                os.remove(tmp_path)
            raise
        print(f'Results of {len(results)} samples have been saved to {self.out_file_path}.')
        return {}


def load_results(path: str) -> List[dict]:
    """Read a pickle written by :class:`DumpResults` (a list of per-sample dicts).

    Like any pickle, only open files you trust.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'result file {path!r} does not exist (write it with '
                                '`tools/test.py CONFIG CHECKPOINT --out results.pkl`)')
    with open(path, 'rb') as f:
        results = pickle.load(f)
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise ValueError(f'{path!r} is not a prediction dump: expected a list of per-sample '
                         f'dicts, got {type(results).__name__} (was it written with '
                         '`--out-item metrics`?)')
    return results
