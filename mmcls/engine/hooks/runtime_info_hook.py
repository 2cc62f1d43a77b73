"""Publish runtime information (epoch, iter, lr, losses, metrics) to the message hub."""
from __future__ import annotations

from typing import Dict, Optional

from mmcls.registry import HOOKS

from .hook import DATA_BATCH, Hook

__all__ = ['RuntimeInfoHook']


def _is_scalar(value) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    numel = getattr(value, 'numel', None) or getattr(value, 'size', None)
    try:
        return (numel() if callable(numel) else numel) == 1
    except TypeError:
        return False


@HOOKS.register_module()
class RuntimeInfoHook(Hook):
    """Keep ``epoch``/``iter``/``max_*`` info, ``train/lr`` and ``train/<loss>`` scalars and
    ``val/<metric>`` values in the message hub for the logger and other hooks."""
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        info = dict(cfg=runner.cfg.pretty_text if hasattr(runner.cfg, 'pretty_text') else None,
                    seed=runner.seed, experiment_name=runner.experiment_name)
        runner.message_hub.update_info_dict(info)

    def before_train(self, runner) -> None:
        hub = runner.message_hub
        hub.update_info('epoch', runner.epoch)
        hub.update_info('iter', runner.iter)
        hub.update_info('max_epochs', runner.max_epochs)
        hub.update_info('max_iters', runner.max_iters)
        dataset_meta = getattr(runner.train_dataloader.dataset, 'metainfo', None)
        if dataset_meta is not None and hasattr(runner.visualizer, 'dataset_meta'):
            runner.visualizer.dataset_meta = dataset_meta

    def before_train_epoch(self, runner) -> None:
        runner.message_hub.update_info('epoch', runner.epoch)

    def before_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None) -> None:
        hub = runner.message_hub
        hub.update_info('iter', runner.iter)
        wrapper = runner.optim_wrapper
        lr_dict = wrapper.get_lr()
        if isinstance(lr_dict, dict) and 'lr' not in lr_dict and lr_dict:
            # An OptimWrapperDict reports {'<name>.lr': [...]}.
            for name, lrs in lr_dict.items():
                hub.update_scalar(f'train/{name}', lrs[0])
        else:
            hub.update_scalar('train/lr', lr_dict['lr'][0])

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        hub = runner.message_hub
        for key, value in (outputs or {}).items():
            hub.update_scalar(f'train/{key}', value)
        take_grad_norm = getattr(runner.optim_wrapper, 'take_grad_norm', None)
        grad_norm = take_grad_norm() if take_grad_norm is not None else None
        if grad_norm is not None:
            hub.update_scalar('train/grad_norm', grad_norm)

    def _publish_metrics(self, runner, mode: str, metrics: Optional[Dict]) -> None:
        if not metrics:
            return
        hub = runner.message_hub
        non_scalar = {}
        for key, value in metrics.items():
            if _is_scalar(value):
                hub.update_scalar(f'{mode}/{key}', value)
            else:
                non_scalar[key] = value
        hub.update_info(f'{mode}_metrics_nonscalar', non_scalar, resumed=False)

    def after_val_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._publish_metrics(runner, 'val', metrics)

    def after_test_epoch(self, runner, metrics: Optional[Dict[str, float]] = None) -> None:
        self._publish_metrics(runner, 'test', metrics)
