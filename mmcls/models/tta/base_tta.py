"""Test-time augmentation: run a model on several augmented views of each sample and merge.

The test pipeline ends with a ``TestTimeAug`` transform, so every sample holds one list entry
per view and the collated batch is ``{'inputs': [view0_batch, view1_batch, ...],
'data_samples': [view0_samples, ...]}``.  :meth:`BaseTTAModel.test_step` runs the wrapped model
on each view batch and hands the per-sample lists of predictions to :meth:`merge_preds`.
The TTA model is a model wrapper: checkpoints load into (and save from) the wrapped model.
"""
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Union

import torch.nn as nn

from mmcls.registry import MODEL_WRAPPERS, MODELS

__all__ = ['BaseTTAModel']


@MODEL_WRAPPERS.register_module()
class BaseTTAModel(nn.Module):
    """Wraps ``module`` (a model or its config) for test-time augmentation.

    Args:
        module: the model, or a config dict built with the ``MODELS`` registry.
        data_preprocessor: a preprocessor config for a ``module`` config that has none (the
            Runner passes a config's top-level ``data_preprocessor`` this way).
    """

    def __init__(self, module: Union[dict, nn.Module],
                 data_preprocessor: Optional[dict] = None) -> None:
        super().__init__()
        if isinstance(module, dict):
            module = dict(module)
            if module.get('data_preprocessor') is None and data_preprocessor is not None:
                module['data_preprocessor'] = data_preprocessor
            module = MODELS.build(module)
        if not isinstance(module, nn.Module):
            raise TypeError(f'{type(self).__name__}: module must be an nn.Module or a config '
                            f'dict, got {type(module).__name__}')
        self.module = module

    @property
    def data_preprocessor(self) -> nn.Module:
        return self.module.data_preprocessor

    @abstractmethod
    def merge_preds(self, data_samples_list: List[List[Any]]) -> List[Any]:
        """Merge, for each sample, the list of its per-view predictions into one."""

    def test_step(self, data: Union[Dict[str, list], List[dict]]) -> List[Any]:
        """Predict every view, then merge the views of each sample."""
        predictions = [self.module.test_step(view) for view in _split_views(data)]
        return self.merge_preds([list(views) for views in zip(*predictions)])

    def val_step(self, data: Union[Dict[str, list], List[dict]]) -> List[Any]:
        """Same as :meth:`test_step`."""
        return self.test_step(data)

    def forward(self, *args, **kwargs):
        raise TypeError(f'{type(self).__name__} only predicts through test_step(data); call the '
                        f'wrapped model (.module) directly for a forward pass')


def _split_views(data: Union[Dict[str, list], List[dict]]) -> List[dict]:
    """``{'inputs': [v0, v1], ...}`` (or a list of per-view dicts) → ``[{'inputs': v0, ...}, ...]``."""
    if isinstance(data, (list, tuple)):
        return list(data)
    if not isinstance(data, dict):
        raise TypeError(f'TTA test_step expects a dict of per-view lists, got {type(data).__name__}')
    counts = {key: len(value) for key, value in data.items()}
    if len(set(counts.values())) != 1:
        raise ValueError(f'TTA test_step: every field needs one entry per view, got {counts}')
    num_views = next(iter(counts.values()))
    return [{key: value[index] for key, value in data.items()} for index in range(num_views)]
