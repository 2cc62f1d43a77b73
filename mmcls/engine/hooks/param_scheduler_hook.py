"""Step the parameter schedulers after each iteration or epoch."""
from __future__ import annotations

from typing import Dict, Iterable, Optional

from mmcls.registry import HOOKS

from .hook import DATA_BATCH, Hook

__all__ = ['ParamSchedulerHook']


def _iter_schedulers(schedulers) -> Iterable:
    if not schedulers:
        return []
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in group]
    return list(schedulers)


@HOOKS.register_module()
class ParamSchedulerHook(Hook):
    """Step iteration-based schedulers after every iteration, epoch-based ones after every epoch;
    schedulers that need validation metrics (``need_val_args``) also step with them after
    validation."""
    priority = 'LOW'

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        for scheduler in _iter_schedulers(runner.param_schedulers):
            if not scheduler.by_epoch:
                scheduler.step()

    def after_train_epoch(self, runner) -> None:
        for scheduler in _iter_schedulers(runner.param_schedulers):
            if scheduler.by_epoch:
                scheduler.step()

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if metrics is None:
            return
        for scheduler in _iter_schedulers(runner.param_schedulers):
            if getattr(scheduler, 'need_val_args', False):
                scheduler.step(metrics)
