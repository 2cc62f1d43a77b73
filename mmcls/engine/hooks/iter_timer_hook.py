"""Time each iteration (``time``) and its data loading (``data_time``); estimate the ETA."""
from __future__ import annotations

import time
from typing import Any, Optional

from mmcls.registry import HOOKS

from .hook import DATA_BATCH, Hook

__all__ = ['IterTimerHook']


@HOOKS.register_module()
class IterTimerHook(Hook):
    """Write ``<mode>/data_time`` and ``<mode>/time`` scalars and the ``eta`` info."""
    priority = 'NORMAL'

    def __init__(self):
        self._start_iter = 0
        self._train_start: Optional[float] = None

    def before_train(self, runner) -> None:
        self._start_iter = runner.iter
        self._train_start = None

    def _before_epoch(self, runner, mode: str = 'train') -> None:
        self.t = time.perf_counter()
        self._eval_start = self.t

    def _before_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                     mode: str = 'train') -> None:
        now = time.perf_counter()
        runner.message_hub.update_scalar(f'{mode}/data_time', now - self.t)
        if mode == 'train' and self._train_start is None:
            self._train_start = self.t

    def _after_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                    outputs: Optional[Any] = None, mode: str = 'train') -> None:
        now = time.perf_counter()
        hub = runner.message_hub
        hub.update_scalar(f'{mode}/time', now - self.t)
        self.t = now
        if mode == 'train':
            done = runner.iter + 1 - self._start_iter
            average = (now - self._train_start) / max(done, 1)
            hub.update_info('eta', average * (runner.max_iters - runner.iter - 1))
        else:
            loop = runner.val_loop if mode == 'val' else runner.test_loop
            average = (now - self._eval_start) / (batch_idx + 1)
            hub.update_info('eta', average * (len(loop.dataloader) - batch_idx - 1))
