"""Tell the training sampler the epoch so each epoch (and rank) gets a new shuffle."""
from __future__ import annotations

from mmcls.registry import HOOKS

from .hook import Hook

__all__ = ['DistSamplerSeedHook']


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Call ``set_epoch(epoch)`` on the train sampler (and batch sampler's sampler) each epoch."""
    priority = 'NORMAL'

    def before_train_epoch(self, runner) -> None:
        loader = runner.train_loop.dataloader
        sampler = getattr(loader, 'sampler', None)
        if hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(runner.epoch)
        inner = getattr(getattr(loader, 'batch_sampler', None), 'sampler', None)
        if inner is not sampler and hasattr(inner, 'set_epoch'):
            inner.set_epoch(runner.epoch)
