"""Average model buffers (e.g. BN running stats) across ranks after each training epoch."""
from __future__ import annotations

import torch

from mmcls.registry import HOOKS
from mmcls.utils.dist import all_reduce, is_distributed

from .hook import Hook

__all__ = ['SyncBuffersHook']


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """All-reduce (mean) every floating-point buffer of the model in distributed runs."""
    priority = 'NORMAL'

    def after_train_epoch(self, runner) -> None:
        if not is_distributed():
            return
        for buffer in runner.model.buffers():
            if torch.is_floating_point(buffer):
                all_reduce(buffer, op='mean')
