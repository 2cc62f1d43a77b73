"""Release cached CUDA memory at chosen points of the run."""
from __future__ import annotations

from typing import Any, Optional

import torch

from mmcls.registry import HOOKS

from .hook import DATA_BATCH, Hook

__all__ = ['EmptyCacheHook']


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Call ``torch.cuda.empty_cache()`` before/after epochs and/or after iterations."""
    priority = 'NORMAL'

    def __init__(self, before_epoch: bool = False, after_epoch: bool = True,
                 after_iter: bool = False):
        self._do_before_epoch = before_epoch
        self._do_after_epoch = after_epoch
        self._do_after_iter = after_iter

    @staticmethod
    def _empty() -> None:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _before_epoch(self, runner, mode: str = 'train') -> None:
        if self._do_before_epoch:
            self._empty()

    def _after_epoch(self, runner, mode: str = 'train') -> None:
        if self._do_after_epoch:
            self._empty()

    def _after_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                    outputs: Optional[Any] = None, mode: str = 'train') -> None:
        if self._do_after_iter:
            self._empty()
