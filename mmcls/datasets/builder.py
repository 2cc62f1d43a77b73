"""The one dataloader builder: a ``DataLoader`` from a dataloader config dict.

The Runner (train/val/test loops), the retriever's prototype gallery and the
retrieval inferencer all build their loaders here, so ``sampler``,
``batch_sampler``, ``persistent_workers``, ``prefetch_factor`` and the
distributed sharding of the sampler apply the same way everywhere.
"""
from __future__ import annotations

import copy
from functools import partial
from typing import Any, Callable, Mapping, Optional, Union

import torch
from torch.utils.data import DataLoader

from mmcls.core.logging import print_log
from mmcls.core.randomness import worker_init_fn
from mmcls.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS

__all__ = ['build_dataloader', 'build_collate_fn', 'build_dataset']

# freed memory each DataLoader worker keeps for the next samples' image buffers (MiB)
WORKER_MALLOC_CACHE_MB = 64
_OBSOLETE_KEYS = {'samples_per_gpu': 'batch_size', 'workers_per_gpu': 'num_workers'}


def build_collate_fn(collate_cfg: Any) -> Callable:
    """A collate function from a callable or ``dict(type='pseudo_collate', **kwargs)``."""
    if callable(collate_cfg):
        return collate_cfg
    cfg = dict(collate_cfg)
    collate_type = cfg.pop('type')
    fn = FUNCTIONS.get(collate_type) if isinstance(collate_type, str) else collate_type
    return partial(fn, **cfg) if cfg else fn


def _build_dataset(dataset: Any) -> Any:
    if isinstance(dataset, Mapping):
        dataset = DATASETS.build(dict(dataset))
        if hasattr(dataset, 'full_init'):
            dataset.full_init()
    return dataset


def build_dataset(cfg: Mapping) -> Any:
    """Build a dataset from its config dict (``dict(type='CIFAR10', data_prefix=...)``)."""
    if not isinstance(cfg, Mapping) or 'type' not in cfg:
        raise TypeError(f'build_dataset expects a config dict with a "type" key, got {cfg!r}')
    return DATASETS.build(dict(cfg))


def _build_sampler(cfg: dict, dataset: Any, seed: Optional[int]) -> Any:
    sampler_cfg = cfg.pop('sampler', None)
    if sampler_cfg is None:
        raise KeyError('dataloader config needs "sampler", e.g. '
                       "sampler=dict(type='DefaultSampler', shuffle=True)")
    if isinstance(sampler_cfg, Mapping):
        return DATA_SAMPLERS.build(dict(sampler_cfg), default_args=dict(dataset=dataset, seed=seed))
    return sampler_cfg


def _build_batch_sampler(cfg: dict, sampler: Any) -> Any:
    batch_sampler_cfg = cfg.pop('batch_sampler', None)
    if isinstance(batch_sampler_cfg, Mapping):
        return DATA_SAMPLERS.build(dict(batch_sampler_cfg), default_args=dict(
            sampler=sampler, batch_size=cfg.pop('batch_size', 1)))
    return batch_sampler_cfg


def build_dataloader(dataloader: Union[DataLoader, Mapping], *, seed: Optional[int] = None,
                     sampler_seed: Optional[int] = None, rank: int = 0,
                     deterministic: bool = False,
                     opencv_num_threads: Optional[int] = None,
                     worker_malloc_cache_mb: Optional[float] = WORKER_MALLOC_CACHE_MB
                     ) -> DataLoader:
    """Build a DataLoader from ``dict(dataset=..., sampler=..., batch_size=..., ...)``.

    Args:
        dataloader: a ready DataLoader (returned as is) or its config. ``dataset`` and
            ``sampler`` are required; ``collate_fn`` defaults to ``pseudo_collate``; the other
            keys go to ``torch.utils.data.DataLoader``.
        seed: the run seed: seeds the loader's own generator (so workers' base seeds do not
            depend on the global RNG) and each worker (mixed with its id and ``rank``).
        sampler_seed: the seed given to the sampler (``None`` lets it draw one shared by all
            ranks).
        rank: this process's rank; the sampler shards by rank itself.
        deterministic: turn ``persistent_workers`` off, since persistent workers carry their
            RNG across epochs and a resumed run could not rebuild it.
        opencv_num_threads: applied inside every worker process.
        worker_malloc_cache_mb: freed memory (MiB) each worker keeps for reuse, so decoded
            images and their resized copies land on warm pages instead of fresh ones
            (``env_cfg.mp_cfg.worker_malloc_cache_mb``; None leaves the allocator alone).
    """
    if isinstance(dataloader, DataLoader):
        return dataloader
    cfg = copy.deepcopy(dict(dataloader))
    for old, new in _OBSOLETE_KEYS.items():
        if old in cfg:
            raise KeyError(f'dataloader key {old!r} is from 0.x configs; use {new!r}')
    if 'dataset' not in cfg:
        raise KeyError(f'dataloader config needs "dataset", got keys {sorted(cfg)}')
    dataset = _build_dataset(cfg.pop('dataset'))
    sampler = _build_sampler(cfg, dataset, sampler_seed)
    batch_sampler = _build_batch_sampler(cfg, sampler)
    num_workers = cfg.pop('num_workers', 0)
    generator = torch.Generator()
    generator.manual_seed(seed if seed is not None else 0)
    cfg.setdefault('generator', generator)
    init_fn = partial(worker_init_fn, num_workers=num_workers, rank=rank, seed=seed,
                      opencv_num_threads=opencv_num_threads,
                      malloc_cache_mb=worker_malloc_cache_mb) if num_workers > 0 else None
    collate_fn = build_collate_fn(cfg.pop('collate_fn', dict(type='pseudo_collate')))
    if num_workers == 0:  # torch rejects these without worker processes
        cfg.pop('persistent_workers', None)
        cfg.pop('prefetch_factor', None)
    elif cfg.get('persistent_workers') and deterministic:
        print_log('randomness.deterministic=True: persistent_workers is turned off so that '
                  'resumed runs reproduce the data augmentation exactly', logger='current')
        cfg['persistent_workers'] = False
    if batch_sampler is not None:
        return DataLoader(dataset, batch_sampler=batch_sampler, num_workers=num_workers,
                          collate_fn=collate_fn, worker_init_fn=init_fn, **cfg)
    return DataLoader(dataset, sampler=sampler, num_workers=num_workers,
                      collate_fn=collate_fn, worker_init_fn=init_fn, **cfg)
