"""Samplers that shard a dataset across ranks: ``DefaultSampler`` and ``InfiniteSampler``,
and the seeded epoch order they share with ``RepeatAugSampler`` (``repeat_aug``).

They shuffle with a generator seeded from ``seed`` (shared by every rank, see
``sync_random_seed``) so the shards are disjoint; ``DefaultSampler`` reshuffles
per epoch (``set_epoch``) with ``seed + epoch``.
"""
from __future__ import annotations

import itertools
import math
from typing import Iterator, List, Optional, Sized

import torch
from torch.utils.data import Sampler

from mmcls.registry import DATA_SAMPLERS
from mmcls.utils.dist import get_dist_info

__all__ = ['DefaultSampler', 'InfiniteSampler', 'epoch_order']


def epoch_order(size: int, shuffle: bool, seed: int, epoch: int) -> List[int]:
    """The indices ``0..size-1`` in the order of one epoch: a permutation seeded with
    ``seed + epoch`` (the same on every rank) when shuffling."""
    if not shuffle:
        return list(range(size))
    generator = torch.Generator()
    generator.manual_seed(seed + epoch)
    return torch.randperm(size, generator=generator).tolist()


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
        indices = epoch_order(size, self.shuffle, self.seed, self.epoch)
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
