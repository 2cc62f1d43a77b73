"""The hook base class: every call point of the runner, as no-op methods.

A hook overrides the points it needs; the runner calls only overridden
methods (see ``Runner.call_hook``), so empty points cost nothing per iteration.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

__all__ = ['Hook', 'DATA_BATCH', 'HOOK_STAGES', 'reject_storage_backend']

DATA_BATCH = Optional[Any]

HOOK_STAGES = (
    'before_run', 'after_run', 'before_train', 'after_train', 'before_train_epoch',
    'after_train_epoch', 'before_train_iter', 'after_train_iter', 'before_val', 'after_val',
    'before_val_epoch', 'after_val_epoch', 'before_val_iter', 'after_val_iter', 'before_test',
    'after_test', 'before_test_epoch', 'after_test_epoch', 'before_test_iter', 'after_test_iter',
    'before_save_checkpoint', 'after_load_checkpoint')


def reject_storage_backend(owner: str, file_client_args: Optional[dict],
                           backend_args: Optional[dict]) -> None:
    """Raise for MMEngine remote-storage arguments, which mmcls does not implement."""
    for name, value in (('file_client_args', file_client_args), ('backend_args', backend_args)):
        if value is not None:
            raise ValueError(f'{owner}: {name} selects a remote storage backend, which mmcls '
                             f'does not support; remove it (local paths only), got {value!r}')


class Hook:
    """Base class of hooks; ``priority`` orders hooks (lower runs first, see ``Priority``)."""
    priority = 'NORMAL'

    def before_run(self, runner) -> None:
        """Once, before the train/val/test loop starts."""

    def after_run(self, runner) -> None:
        """Once, after the loop ends."""

    def before_train(self, runner) -> None:
        """Before the first training epoch/iteration."""

    def after_train(self, runner) -> None:
        """After training finishes."""

    def before_val(self, runner) -> None:
        """Before a validation run."""

    def after_val(self, runner) -> None:
        """After a validation run."""

    def before_test(self, runner) -> None:
        """Before a test run."""

    def after_test(self, runner) -> None:
        """After a test run."""

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """May add entries to ``checkpoint`` before it is written."""

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """May read entries of a loaded or resumed ``checkpoint``."""

    def before_train_epoch(self, runner) -> None:
        self._before_epoch(runner, mode='train')

    def before_val_epoch(self, runner) -> None:
        self._before_epoch(runner, mode='val')

    def before_test_epoch(self, runner) -> None:
        self._before_epoch(runner, mode='test')

    def after_train_epoch(self, runner) -> None:
        self._after_epoch(runner, mode='train')

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._after_epoch(runner, mode='val')

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._after_epoch(runner, mode='test')

    def before_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode='train')

    def before_val_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode='val')

    def before_test_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode='test')

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        self._after_iter(runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs,
                         mode='train')

    def after_val_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Optional[Sequence] = None) -> None:
        self._after_iter(runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs,
                         mode='val')

    def after_test_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Optional[Sequence] = None) -> None:
        self._after_iter(runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs,
                         mode='test')

    # Shared implementations for hooks that treat train/val/test alike.
    def _before_epoch(self, runner, mode: str = 'train') -> None:
        """Common ``before_*_epoch`` body."""

    def _after_epoch(self, runner, mode: str = 'train') -> None:
        """Common ``after_*_epoch`` body."""

    def _before_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                     mode: str = 'train') -> None:
        """Common ``before_*_iter`` body."""

    def _after_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                    outputs: Optional[Any] = None, mode: str = 'train') -> None:
        """Common ``after_*_iter`` body."""

    # Helpers for interval logic.
    def every_n_epochs(self, runner, n: int, start: int = 0) -> bool:
        """True after every ``n``-th epoch counted from ``start`` (called in ``after_train_epoch``)."""
        done = runner.epoch + 1 - start
        return n > 0 and done >= 0 and done % n == 0

    def every_n_inner_iters(self, batch_idx: int, n: int) -> bool:
        return n > 0 and (batch_idx + 1) % n == 0

    def every_n_train_iters(self, runner, n: int, start: int = 0) -> bool:
        done = runner.iter + 1 - start
        return n > 0 and done >= 0 and done % n == 0

    def end_of_epoch(self, dataloader, batch_idx: int) -> bool:
        return batch_idx + 1 == len(dataloader)

    def is_last_train_epoch(self, runner) -> bool:
        return runner.epoch + 1 == runner.max_epochs

    def is_last_train_iter(self, runner) -> bool:
        return runner.iter + 1 == runner.max_iters

    def get_triggered_stages(self) -> list:
        """Names of the call points this hook overrides (used by the runner to skip the rest)."""
        triggered = []
        shared = {'_before_epoch': ('before_train_epoch', 'before_val_epoch', 'before_test_epoch'),
                  '_after_epoch': ('after_train_epoch', 'after_val_epoch', 'after_test_epoch'),
                  '_before_iter': ('before_train_iter', 'before_val_iter', 'before_test_iter'),
                  '_after_iter': ('after_train_iter', 'after_val_iter', 'after_test_iter')}
        for stage in HOOK_STAGES:
            if getattr(type(self), stage) is not getattr(Hook, stage):
                triggered.append(stage)
        for helper, stages in shared.items():
            if getattr(type(self), helper) is not getattr(Hook, helper):
                triggered.extend(s for s in stages if s not in triggered)
        return [s for s in HOOK_STAGES if s in triggered]
