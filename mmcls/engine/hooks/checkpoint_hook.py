"""Save checkpoints periodically, the last one, and the best one by a validation metric."""
from __future__ import annotations

import hashlib
import math
import os
import os.path as osp
import shutil
from collections import deque
from typing import Dict, List, Optional, Sequence, Union

import torch

from mmcls.registry import HOOKS
from mmcls.core.checkpoint import save_checkpoint
from mmcls.core.fsdp import SHARD_SUFFIX
from mmcls.utils.dist import is_main_process

from .hook import DATA_BATCH, Hook, reject_storage_backend

__all__ = ['CheckpointHook']

GREATER_KEYS = ('acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU', 'mAcc', 'aAcc')
LESS_KEYS = ('loss', )


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save ``epoch_N.pth``/``iter_N.pth`` every ``interval`` and keep ``last_checkpoint`` current.

    Args:
        interval: saving period (epochs if ``by_epoch`` else iterations); -1 never.
        by_epoch: count ``interval`` in epochs.
        save_optimizer, save_param_scheduler: include those states (needed to resume).
        out_dir: save under ``out_dir/<work_dir name>`` instead of ``work_dir``.
        max_keep_ckpts: keep only the newest this many periodic checkpoints (-1: all).
        save_last: always save after the last epoch/iteration.
        save_best: metric name(s), or ``'auto'`` for the first metric of the
            evaluator, whose best value is kept as ``best_<metric>_<epoch|iter>_N.pth``.
        rule: ``'greater'`` or ``'less'`` (one per ``save_best`` key); inferred
            from the metric name when None.
        greater_keys, less_keys: name fragments that infer the rule.
        filename_tmpl: periodic file name template, default ``'epoch_{}.pth'``/``'iter_{}.pth'``.
        published_keys: after training, also write the last checkpoint with only these
            keys (e.g. ``['meta', 'state_dict']``) as ``<name>-<sha256[:8]>.pth``.
        save_begin: first epoch/iteration that may be saved.
        file_client_args, backend_args: remote storage is not supported; must be None.
    """
    priority = 'VERY_LOW'
    rule_map = {'greater': lambda x, y: x > y, 'less': lambda x, y: x < y}

    def __init__(self, interval: int = -1, by_epoch: bool = True, save_optimizer: bool = True,
                 save_param_scheduler: bool = True, out_dir: Optional[str] = None,
                 max_keep_ckpts: int = -1, save_last: bool = True,
                 save_best: Union[str, Sequence[str], None] = None,
                 rule: Union[str, Sequence[str], None] = None,
                 greater_keys: Optional[Sequence[str]] = None,
                 less_keys: Optional[Sequence[str]] = None,
                 file_client_args: Optional[dict] = None, filename_tmpl: Optional[str] = None,
                 backend_args: Optional[dict] = None,
                 published_keys: Union[str, Sequence[str], None] = None, save_begin: int = 0,
                 **kwargs):
        if kwargs:
            raise TypeError(f'CheckpointHook got unexpected arguments {sorted(kwargs)}')
        reject_storage_backend('CheckpointHook', file_client_args, backend_args)
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.save_param_scheduler = save_param_scheduler
        self.base_out_dir = out_dir
        self.out_dir: Optional[str] = None
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.save_begin = save_begin
        self.filename_tmpl = filename_tmpl or ('epoch_{}.pth' if by_epoch else 'iter_{}.pth')
        self.save_best = self._normalise_keys(save_best)
        self.rules = self._normalise_rules(rule)
        self.greater_keys = tuple(greater_keys) if greater_keys else GREATER_KEYS
        self.less_keys = tuple(less_keys) if less_keys else LESS_KEYS
        if isinstance(published_keys, str):
            published_keys = [published_keys]
        if published_keys is not None and 'state_dict' not in published_keys:
            raise ValueError(f'CheckpointHook: published_keys must include "state_dict", '
                             f'got {published_keys}')
        self.published_keys = list(published_keys) if published_keys is not None else None
        self.last_ckpt: Optional[str] = None
        self.keep_ckpt_ids: deque = deque(maxlen=max_keep_ckpts if max_keep_ckpts > 0 else None)
        self.best_ckpt_path: Dict[str, Optional[str]] = {}

    @staticmethod
    def _normalise_keys(save_best) -> List[str]:
        if save_best is None:
            return []
        keys = [save_best] if isinstance(save_best, str) else list(save_best)
        if 'auto' in keys and len(keys) > 1:
            raise ValueError('CheckpointHook: save_best="auto" cannot be combined with other keys')
        return keys

    def _normalise_rules(self, rule) -> List[Optional[str]]:
        rules = [rule] * max(len(self.save_best), 1) if rule is None or isinstance(rule, str) \
            else list(rule)
        if self.save_best and len(rules) != len(self.save_best):
            raise ValueError(f'CheckpointHook: {len(rules)} rules for {len(self.save_best)} '
                             f'save_best keys')
        for r in rules:
            if r is not None and r not in self.rule_map:
                raise KeyError(f"CheckpointHook: rule must be 'greater', 'less' or None, got {r!r}")
        return rules

    def before_train(self, runner) -> None:
        if self.base_out_dir is None:
            self.out_dir = runner.work_dir
        else:
            self.out_dir = osp.join(self.base_out_dir,
                                    osp.basename(runner.work_dir.rstrip(os.sep)))
        for key in self.save_best:
            self.best_ckpt_path[key] = runner.message_hub.get_info(f'best_ckpt_{key}')
        kept = runner.message_hub.get_info('keep_ckpt_ids')
        if kept:
            self.keep_ckpt_ids.extend(kept)

    # ------------------------------------------------------------ periodic saving
    def after_train_epoch(self, runner) -> None:
        if not self.by_epoch or runner.epoch + 1 <= self.save_begin:
            return
        if self.every_n_epochs(runner, self.interval, self.save_begin) or (
                self.save_last and self.is_last_train_epoch(runner)):
            runner.logger.info(f'Saving checkpoint at {runner.epoch + 1} epochs')
            self._save_checkpoint(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if self.by_epoch or runner.iter + 1 <= self.save_begin:
            return
        if self.every_n_train_iters(runner, self.interval, self.save_begin) or (
                self.save_last and self.is_last_train_iter(runner)):
            runner.logger.info(f'Saving checkpoint at {runner.iter + 1} iterations')
            self._save_checkpoint(runner)

    def _save_checkpoint(self, runner) -> None:
        step = runner.epoch + 1 if self.by_epoch else runner.iter + 1
        filename = self.filename_tmpl.format(step)
        dropped = None
        if self.max_keep_ckpts > 0:
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                dropped = self.keep_ckpt_ids[0]
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        path = runner.save_checkpoint(self.out_dir, filename, save_optimizer=self.save_optimizer,
                                      save_param_scheduler=self.save_param_scheduler,
                                      by_epoch=self.by_epoch)
        if not is_main_process():
            return
        self.last_ckpt = path
        with open(osp.join(runner.work_dir, 'last_checkpoint'), 'w', encoding='utf-8') as f:
            f.write(path)
        if dropped is not None:
            _remove_checkpoint(osp.join(self.out_dir, self.filename_tmpl.format(dropped)))

    def after_train(self, runner) -> None:
        if self.published_keys is None or self.last_ckpt is None or not is_main_process():
            return
        checkpoint = torch.load(self.last_ckpt, map_location='cpu', weights_only=True)
        missing = [k for k in self.published_keys if k not in checkpoint]
        if missing:
            raise KeyError(f'CheckpointHook: published_keys {missing} are not in '
                           f'{self.last_ckpt} (it has {sorted(checkpoint)})')
        stem = osp.splitext(self.last_ckpt)[0]
        tmp = f'{stem}.publish.tmp'
        save_checkpoint({k: checkpoint[k] for k in self.published_keys}, tmp)
        with open(tmp, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:8]
        final = f'{stem}-{digest}.pth'
        os.replace(tmp, final)
        runner.logger.info(f'The checkpoint with keys {self.published_keys} is published to '
                           f'{final}')

    # ------------------------------------------------------------ best checkpoint
    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        if not self.save_best or not metrics or not runner.train_loop_built:
            return
        keys = [next(iter(metrics))] if self.save_best == ['auto'] else self.save_best
        rules = self.rules if self.save_best != ['auto'] else [self.rules[0]]
        for key, rule in zip(keys, rules):
            if key not in metrics:
                raise KeyError(f'CheckpointHook: save_best key {key!r} is not among the '
                               f'metrics {sorted(metrics)}')
            self._maybe_save_best(runner, key, rule or self._infer_rule(key), float(metrics[key]))

    def _infer_rule(self, key: str) -> str:
        name = key.split('/')[-1]
        if any(k in name for k in self.greater_keys):
            return 'greater'
        if any(k in name.lower() for k in self.less_keys):
            return 'less'
        raise ValueError(f'CheckpointHook: cannot infer whether {key!r} is better when greater '
                         f'or less; set rule="greater" or rule="less"')

    def _maybe_save_best(self, runner, key: str, rule: str, score: float) -> None:
        hub = runner.message_hub
        best = hub.get_info(f'best_score_{key}')
        if best is None:
            best = -math.inf if rule == 'greater' else math.inf
        if not self.rule_map[rule](score, best):
            return
        hub.update_info(f'best_score_{key}', score)
        step_name = f'epoch_{runner.epoch}' if self.by_epoch else f'iter_{runner.iter}'
        filename = f'best_{key.replace("/", "_")}_{step_name}.pth'
        old = self.best_ckpt_path.get(key) or hub.get_info(f'best_ckpt_{key}')
        # Validation runs after the epoch/iteration counters advanced: they are the state.
        path = runner.save_checkpoint(self.out_dir, filename, self.save_optimizer,
                                      self.save_param_scheduler,
                                      meta=dict(epoch=runner.epoch, iter=runner.iter))
        if not is_main_process():
            return
        if old and old != path:
            _remove_checkpoint(old)
        self.best_ckpt_path[key] = path
        hub.update_info(f'best_ckpt_{key}', path)
        runner.logger.info(f'The best checkpoint with {score:.4f} {key} at {step_name} is saved '
                           f'to {filename}')


def _remove_checkpoint(path: str) -> None:
    """Delete checkpoint ``path`` and, for an FSDP run, its shard folder."""
    if osp.isfile(path):
        os.remove(path)
    if osp.isdir(path + SHARD_SUFFIX):
        shutil.rmtree(path + SHARD_SUFFIX)
