"""Model wrappers: DDP with the ``train_step``/``val_step``/``test_step`` API of mmcls models."""
from __future__ import annotations

from typing import Any, Dict, List

import torch
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

from mmcls.registry import MODEL_WRAPPERS

__all__ = ['MMDistributedDataParallel', 'is_model_wrapper', 'unwrap_model']


@MODEL_WRAPPERS.register_module(name=['MMDistributedDataParallel', 'DistributedDataParallel'])
class MMDistributedDataParallel(DistributedDataParallel):
    """``DistributedDataParallel`` that runs the wrapped model's steps.

    ``train_step`` preprocesses on the module, then calls the DDP forward (so
    gradients are all-reduced) with ``mode='loss'``, parses the losses with the
    module's ``parse_losses`` and updates through the optimizer wrapper.
    """

    def train_step(self, data: Any, optim_wrapper) -> Dict[str, torch.Tensor]:
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = self._run_forward(data, mode='loss')
        parsed_loss, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: Any) -> List[Any]:
        return self.module.val_step(data)

    def test_step(self, data: Any) -> List[Any]:
        return self.module.test_step(data)

    def _run_forward(self, data: Any, mode: str) -> Any:
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, (list, tuple)):
            return self(*data, mode=mode)
        raise TypeError(f'the data preprocessor must return a dict, list or tuple, '
                        f'got {type(data).__name__}')


def is_model_wrapper(model: nn.Module) -> bool:
    """True for DDP/DataParallel or any class registered in MODEL_WRAPPERS."""
    wrappers = tuple(cls for cls in MODEL_WRAPPERS.module_dict.values() if isinstance(cls, type))
    return isinstance(model, (DistributedDataParallel, nn.DataParallel) + wrappers)


def unwrap_model(model: nn.Module) -> nn.Module:
    """The user model inside DDP wrappers and ``torch.compile`` results."""
    while True:
        if is_model_wrapper(model):
            model = model.module
        elif hasattr(model, '_orig_mod') and isinstance(model._orig_mod, nn.Module):
            model = model._orig_mod
        else:
            return model
