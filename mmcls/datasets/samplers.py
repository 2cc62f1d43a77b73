"""Samplers that shard a dataset across ranks: ``DefaultSampler``, ``InfiniteSampler`` and
``RepeatAugSampler`` (repeated augmentation, as in DeiT).

Both shuffle with a generator seeded from ``seed`` (shared by every rank, see
``sync_random_seed``) so the shards are disjoint; ``DefaultSampler`` reshuffles
per epoch (``set_epoch``) with ``seed + epoch``.
"""
from __future__ import annotations

import itertools
import logging
import math
from typing import Iterator, Optional, Sized

import torch
from torch.utils.data import Sampler

from mmcls.core.logging import print_log
from mmcls.registry import DATA_SAMPLERS
from mmcls.utils.dist import get_dist_info

__all__ = ['DefaultSampler', 'InfiniteSampler', 'RepeatAugSampler']


def _shared_seed(seed: Optional[int]) -> int:
    if seed is not None:
        return int(seed)
    from mmcls.core.randomness import sync_random_seed
    return sync_random_seed()


@DATA_SAMPLERS.register_module()
class DefaultSampler(Sampler):
    """Epoch sampler: rank ``r`` of ``W`` takes indices ``r, r+W, ...`` of the (shuffled) order.

    Args:
        dataset: the dataset (only its length is used).
        shuffle: reshuffle every epoch.
        seed: shuffle seed; None draws one shared by all ranks.
        round_up: repeat indices so every rank gets ``ceil(N / W)`` samples
            (evaluation drops the padding in ``collect_results``).
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None,
                 round_up: bool = True):
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = _shared_seed(seed)
        self.epoch = 0
        self.round_up = round_up
        if round_up:
            self.num_samples = math.ceil(len(dataset) / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil((len(dataset) - self.rank) / self.world_size)
            self.total_size = len(dataset)

    def __iter__(self) -> Iterator[int]:
        size = len(self.dataset)
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = torch.randperm(size, generator=generator).tolist()
        else:
            indices = list(range(size))
        if self.round_up and size:
            repeats = self.total_size // size + 1
            indices = (indices * repeats)[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.world_size])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``seed + epoch`` for the next shuffle."""
        self.epoch = epoch


@DATA_SAMPLERS.register_module()
class InfiniteSampler(Sampler):
    """Endless sampler for iteration-based training: concatenated (shuffled) passes, sharded by rank."""

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None):
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = _shared_seed(seed)
        self.size = len(dataset)

    def _infinite_indices(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        while True:
            if self.shuffle:
                yield from torch.randperm(self.size, generator=generator).tolist()
            else:
                yield from range(self.size)

    def __iter__(self) -> Iterator[int]:
        return itertools.islice(self._infinite_indices(), self.rank, None, self.world_size)

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Accepted for interface compatibility; the infinite stream does not restart per epoch."""


@DATA_SAMPLERS.register_module()
class RepeatAugSampler(Sampler):
    """Repeated augmentation: each sample is used ``num_repeats`` times per epoch, on different ranks.

    The (shuffled) order is repeated element-wise (``a a a b b b ...``), padded to a multiple of
    the world size and dealt out round-robin, so the copies of one image land on different
    ranks and get different augmentations.  Each rank then keeps only its first
    ``ceil(N / W)`` indices, so an epoch has the length of a plain epoch.

    Args:
        dataset: the dataset (only its length is used).
        shuffle: reshuffle every epoch (``seed + epoch``); without it every epoch sees the
            same fixed part of the data, and a warning says so.
        num_repeats: copies of each sample.
        seed: shuffle seed; None draws one shared by all ranks.
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, num_repeats: int = 3,
                 seed: Optional[int] = None):
        if int(num_repeats) < 1:
            raise ValueError(f'RepeatAugSampler: num_repeats must be >= 1, got {num_repeats}')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.shuffle = shuffle
        if not shuffle and self.rank == 0:
            print_log('RepeatAugSampler with shuffle=False always picks the same part of the '
                      'data', logger='current', level=logging.WARNING)
        self.seed = _shared_seed(seed)
        self.epoch = 0
        self.num_repeats = int(num_repeats)
        self.num_samples = math.ceil(len(dataset) * self.num_repeats / self.world_size)
        self.total_size = self.num_samples * self.world_size
        self.num_selected_samples = math.ceil(len(dataset) / self.world_size)

    def __iter__(self) -> Iterator[int]:
        size = len(self.dataset)
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            order = torch.randperm(size, generator=generator).tolist()
        else:
            order = list(range(size))
        indices = [index for index in order for _ in range(self.num_repeats)]
        indices += indices[:self.total_size - len(indices)]
        mine = indices[self.rank:self.total_size:self.world_size]
        return iter(mine[:self.num_selected_samples])

    def __len__(self) -> int:
        return self.num_selected_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``seed + epoch`` for the next shuffle."""
        self.epoch = epoch
