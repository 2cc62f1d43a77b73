"""PreciseBNHook: recompute BatchNorm statistics with fixed weights.

During training the running averages mix statistics of ever-changing weights;
this hook averages the true per-batch mean/variance of ``num_samples``
training samples under the current weights ("Rethinking Batch in BatchNorm",
Sec. 3) and averages them across ranks.
"""
from __future__ import annotations

import itertools
import logging
from typing import List, Optional, Union

import torch
import torch.nn as nn

from mmcls.registry import HOOKS
from mmcls.core.logging import print_log
from mmcls.core.model_wrappers import unwrap_model
from mmcls.utils.dist import all_reduce, get_world_size

from .hook import DATA_BATCH, Hook

__all__ = ['PreciseBNHook', 'update_bn_stats', 'scaled_all_reduce']


def _bn_layers(model: nn.Module) -> List[nn.modules.batchnorm._BatchNorm]:
    return [m for m in model.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training and m.track_running_stats]


def scaled_all_reduce(tensors: List[torch.Tensor], num_gpus: int) -> List[torch.Tensor]:
    """Average ``tensors`` in place over the ``num_gpus`` processes (nothing to do for one)."""
    if num_gpus > 1:
        for tensor in tensors:
            all_reduce(tensor, op='mean')
    return tensors


def _loader_batch_size(loader) -> int:
    """Samples per batch of a DataLoader (or of anything with ``batch_size``)."""
    size = getattr(loader, 'batch_size', None) or getattr(
        getattr(loader, 'batch_sampler', None), 'batch_size', None)
    if not size:
        raise ValueError(f'update_bn_stats: cannot tell the batch size of the loader '
                         f'({type(loader).__name__} has no batch_size)')
    return int(size)


def _num_bn_iters(loader, num_samples: int) -> int:
    """Batches covering ``num_samples`` samples over all ranks: at least one, at most the
    loader's length (when it has one)."""
    num_iters = max(num_samples // (_loader_batch_size(loader) * get_world_size()), 1)
    return min(num_iters, len(loader)) if hasattr(loader, '__len__') else num_iters


@torch.no_grad()
def update_bn_stats(model: nn.Module, loader, num_samples: int = 8192,
                    logger: Union[logging.Logger, str, None] = None) -> None:
    """Set every training-mode BN layer's running stats to the mean over the batches of
    ``num_samples`` samples (split over the ranks) of ``loader``.

    Args:
        model: the model, possibly wrapped (DDP, ...).
        loader: a DataLoader (or an iterable of batches with ``batch_size``).
        num_samples: samples to average over, all ranks together.
        logger: where progress messages go (see :func:`print_log`); None prints them.
    """
    model = unwrap_model(model)
    layers = _bn_layers(model)
    if not layers:
        print_log('No BN found in model', logger=logger, level=logging.WARNING)
        return
    num_iters = _num_bn_iters(loader, num_samples)
    print_log(f'{len(layers)} BN found, run {num_iters} iters...', logger=logger)
    momenta = [bn.momentum for bn in layers]
    for bn in layers:
        bn.momentum = 1.0  # running stats become exactly the last batch's stats
    means = [torch.zeros_like(bn.running_mean) for bn in layers]
    variances = [torch.zeros_like(bn.running_var) for bn in layers]
    count = 0
    for data_batch in itertools.islice(loader, num_iters):
        data = model.data_preprocessor(data_batch, False)
        if isinstance(data, dict):
            model(**data, mode='tensor')
        else:
            model(*data, mode='tensor')
        count += 1
        for i, bn in enumerate(layers):
            means[i] += (bn.running_mean - means[i]) / count
            variances[i] += (bn.running_var - variances[i]) / count
    if count < num_iters:
        print_log(f'PreciseBN used {count} batches, fewer than the {num_iters} requested',
                  logger=logger, level=logging.WARNING)
    scaled_all_reduce(means + variances, get_world_size())
    for bn, mean, var, momentum in zip(layers, means, variances, momenta):
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
        bn.momentum = momentum


@HOOKS.register_module()
class PreciseBNHook(Hook):
    """Recompute BN statistics every ``interval`` epochs (iterations for iteration-based
    training) from ``num_samples`` training samples; run it before CheckpointHook and EMAHook
    (``priority='ABOVE_NORMAL'``)."""

    def __init__(self, num_samples: int = 8192, interval: int = 1):
        if num_samples <= 0 or interval <= 0:
            raise ValueError(f'PreciseBNHook: num_samples and interval must be positive, got '
                             f'{num_samples} and {interval}')
        self.num_samples = num_samples
        self.interval = interval

    def _run(self, runner) -> None:
        print_log(f'Running Precise BN for {self.num_samples} samples', logger='current')
        runner.model.train()
        update_bn_stats(runner.model, runner.train_loop.dataloader, self.num_samples,
                        logger='current')
        print_log('Finished Precise BN: the BN stats are updated', logger='current')

    def after_train_epoch(self, runner) -> None:
        if type(runner.train_loop).__name__ != 'IterBasedTrainLoop' \
                and self.every_n_epochs(runner, self.interval):
            self._run(runner)

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if type(runner.train_loop).__name__ == 'IterBasedTrainLoop' \
                and self.every_n_train_iters(runner, self.interval):
            self._run(runner)
