"""``RepeatAugSampler``: repeated augmentation (as in DeiT), each sample seen on several ranks."""
from __future__ import annotations

import logging
import math
from typing import Iterator, Optional, Sized

from torch.utils.data import Sampler

from mmcls.core.logging import print_log
from mmcls.registry import DATA_SAMPLERS
from mmcls.core.randomness import sync_random_seed
from mmcls.utils.dist import get_dist_info, is_main_process

from .sampler import epoch_order

__all__ = ['RepeatAugSampler']


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
        if not shuffle and is_main_process():
            print_log('RepeatAugSampler with shuffle=False always picks a fixed part of the '
                      'data', logger='current', level=logging.WARNING)
        # the dist helpers are looked up here, at module level, so tests can patch them
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self.num_repeats = int(num_repeats)
        self.num_samples = math.ceil(len(dataset) * self.num_repeats / self.world_size)
        self.total_size = self.num_samples * self.world_size
        self.num_selected_samples = math.ceil(len(dataset) / self.world_size)

    def __iter__(self) -> Iterator[int]:
        order = epoch_order(len(self.dataset), self.shuffle, self.seed, self.epoch)
        indices = [index for index in order for _ in range(self.num_repeats)]
        indices += indices[:self.total_size - len(indices)]
        mine = indices[self.rank:self.total_size:self.world_size]
        return iter(mine[:self.num_selected_samples])

    def __len__(self) -> int:
        return self.num_selected_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``seed + epoch`` for the next shuffle."""
        self.epoch = epoch
