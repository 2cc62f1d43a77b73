"""Print log lines every ``interval`` iterations and send the scalars to the visualizer."""
from __future__ import annotations

import json
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Sequence, Union

from mmcls.registry import HOOKS
from mmcls.core.progress import LoopProgress

from .hook import DATA_BATCH, Hook, reject_storage_backend

__all__ = ['LoggerHook']


@HOOKS.register_module()
class LoggerHook(Hook):
    """Log training/validation/test progress.

    Args:
        interval: log every ``interval`` iterations.
        ignore_last: skip the last, shorter interval of an epoch.
        interval_exp_name: print the experiment name every this many iterations.
        out_dir: also copy the logs to ``out_dir/<work_dir name>`` after the run.
        out_suffix: suffixes of the files copied to ``out_dir``.
        keep_local: keep the local logs after copying them.
        log_metric_by_epoch: use the epoch (else the iteration) as the step of
            validation metrics; iteration-based training always uses the iteration.
        progress_bar: show a rich progress bar (None: only on a terminal).
        file_client_args, backend_args: remote storage is not supported; must be None.
    """
    priority = 'BELOW_NORMAL'

    def __init__(self, interval: int = 10, ignore_last: bool = True,
                 interval_exp_name: int = 1000, out_dir: Optional[str] = None,
                 out_suffix: Union[str, Sequence[str]] = ('.json', '.log', '.py', 'yaml'),
                 keep_local: bool = True, file_client_args: Optional[dict] = None,
                 log_metric_by_epoch: bool = True, backend_args: Optional[dict] = None,
                 progress_bar: Optional[bool] = None):
        if not isinstance(interval, int) or interval <= 0:
            raise ValueError(f'LoggerHook: interval must be a positive int, got {interval!r}')
        reject_storage_backend('LoggerHook', file_client_args, backend_args)
        if out_dir is None and not keep_local:
            raise ValueError('LoggerHook: keep_local=False needs out_dir, or the logs are lost')
        self.interval = interval
        self.ignore_last = ignore_last
        self.interval_exp_name = interval_exp_name
        self.base_out_dir = out_dir
        self.out_dir: Optional[str] = None
        self.out_suffix = (out_suffix,) if isinstance(out_suffix, str) else tuple(out_suffix)
        self.keep_local = keep_local
        self.log_metric_by_epoch = log_metric_by_epoch
        self.train_bar = LoopProgress(progress_bar)
        self.eval_bar = LoopProgress(progress_bar)
        self._resume_train_bar = False
        self.json_log_path: Optional[str] = None

    def before_run(self, runner) -> None:
        self.json_log_path = f'{runner.timestamp}.json'
        if self.base_out_dir is not None:
            self.out_dir = osp.join(self.base_out_dir,
                                    osp.basename(runner.work_dir.rstrip(os.sep)))

    # ------------------------------------------------------------ progress bars
    def _start_train_bar(self, runner) -> None:
        if type(runner.train_loop).__name__ == 'IterBasedTrainLoop':
            self.train_bar.start('Iter(train)', runner.max_iters, completed=runner.iter)
        else:
            self.train_bar.start(f'Epoch(train) [{runner.epoch + 1}]',
                                 len(runner.train_loop.dataloader))

    def before_train_epoch(self, runner) -> None:
        self._start_train_bar(runner)

    def after_train_epoch(self, runner) -> None:
        self.train_bar.stop()

    def _before_eval(self, mode: str, total: int) -> None:
        # rich shows one live bar at a time: pause the training bar (iteration-based runs).
        self._resume_train_bar = self.train_bar.active
        self.train_bar.stop()
        self.eval_bar.start(mode, total)

    def _after_eval(self, runner) -> None:
        self.eval_bar.stop()
        if self._resume_train_bar:
            self._resume_train_bar = False
            self._start_train_bar(runner)

    def before_val_epoch(self, runner) -> None:
        self._before_eval('val', len(runner.val_loop.dataloader))

    def before_test_epoch(self, runner) -> None:
        self._before_eval('test', len(runner.test_loop.dataloader))

    # ------------------------------------------------------------ iterations
    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        self.train_bar.advance()
        dataloader = runner.train_loop.dataloader
        epoch_based = type(runner.train_loop).__name__ != 'IterBasedTrainLoop'
        end_of_epoch = epoch_based and self.end_of_epoch(dataloader, batch_idx)
        if self.every_n_train_iters(runner, self.interval_exp_name) or end_of_epoch:
            runner.logger.info(f'Exp name: {runner.experiment_name}')
        should_log = self.every_n_inner_iters(batch_idx, self.interval) or (
            end_of_epoch and (not self.ignore_last or len(dataloader) <= self.interval))
        if not should_log:
            return
        tag, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, 'train')
        runner.logger.info(log_str)
        runner.visualizer.add_scalars(tag, step=runner.iter + 1, file_path=self.json_log_path)

    def _after_eval_iter(self, runner, batch_idx: int, mode: str) -> None:
        """Advance the progress bar; log every ``interval`` batches of validation or test."""
        self.eval_bar.advance()
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, mode)
            runner.logger.info(log_str)

    def after_val_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs=None) -> None:
        self._after_eval_iter(runner, batch_idx, 'val')

    def after_test_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs=None) -> None:
        self._after_eval_iter(runner, batch_idx, 'test')

    # ------------------------------------------------------------ epochs
    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._after_eval(runner)
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.val_loop.dataloader), 'val', with_non_scalar=True)
        runner.logger.info(log_str)
        iter_based = type(runner._train_loop).__name__ == 'IterBasedTrainLoop'
        if self.log_metric_by_epoch and not iter_based:
            step = runner.epoch if runner.train_loop_built else 0
        else:
            step = runner.iter
        runner.visualizer.add_scalars(tag, step=step, file_path=self.json_log_path)

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._after_eval(runner)
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_loop.dataloader), 'test', with_non_scalar=True)
        runner.logger.info(log_str)
        if runner.rank == 0:
            from mmcls.visualization.vis_backend import to_json_value
            path = osp.join(runner.log_dir, self.json_log_path or f'{runner.timestamp}.json')
            os.makedirs(runner.log_dir, exist_ok=True)
            with open(path, 'w', encoding='utf-8') as f:
                json.dump({k: to_json_value(v) for k, v in tag.items()}, f)

    def after_run(self, runner) -> None:
        self.train_bar.stop()
        self.eval_bar.stop()
        if self.out_dir is None or runner.rank != 0:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        for name in sorted(os.listdir(runner.log_dir)):
            local = osp.join(runner.log_dir, name)
            if osp.isfile(local) and name.endswith(self.out_suffix):
                shutil.copy2(local, osp.join(self.out_dir, name))
                if not self.keep_local:
                    os.remove(local)
        runner.logger.info(f'The logs were copied to {self.out_dir}')
