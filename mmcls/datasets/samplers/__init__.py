"""Samplers that shard a dataset across ranks (see :mod:`.sampler` and :mod:`.repeat_aug`)."""
from .repeat_aug import RepeatAugSampler
from .sampler import DefaultSampler, InfiniteSampler, epoch_order

__all__ = ['DefaultSampler', 'InfiniteSampler', 'RepeatAugSampler', 'epoch_order']
