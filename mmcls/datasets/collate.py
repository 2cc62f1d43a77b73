"""Collate functions (FUNCTIONS registry) that turn a list of samples into a batch.

``pseudo_collate`` (the default) only regroups: a list of
``dict(inputs=Tensor, data_samples=ClsDataSample)`` becomes
``dict(inputs=[Tensor, ...], data_samples=[ClsDataSample, ...])`` and the data
preprocessor stacks/pads later.  ``default_collate`` stacks tensors and
numbers too, keeping data samples as lists.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from mmcls.registry import FUNCTIONS
from mmcls.structures import BaseDataElement

__all__ = ['pseudo_collate', 'default_collate']


def _check_lengths(data_batch: Sequence) -> None:
    lengths = {len(sample) for sample in data_batch}
    if len(lengths) > 1:
        raise RuntimeError(f'each element in the batch should be of equal size, '
                           f'got lengths {sorted(lengths)}')


@FUNCTIONS.register_module()
def pseudo_collate(data_batch: Sequence) -> Any:
    """Regroup a list of samples field by field without stacking anything."""
    elem = data_batch[0]
    if isinstance(elem, (str, bytes)):
        return list(data_batch)
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):  # namedtuple
        return type(elem)(*(pseudo_collate(samples) for samples in zip(*data_batch)))
    if isinstance(elem, BaseDataElement):
        return list(data_batch)
    if isinstance(elem, Mapping):
        return type(elem)({key: pseudo_collate([d[key] for d in data_batch]) for key in elem})
    if isinstance(elem, Sequence):
        _check_lengths(data_batch)
        return [pseudo_collate(list(samples)) for samples in zip(*data_batch)]
    return list(data_batch)


@FUNCTIONS.register_module()
def default_collate(data_batch: Sequence) -> Any:
    """Stack tensors, arrays and numbers into batch tensors; keep data samples and strings as lists."""
    elem = data_batch[0]
    if isinstance(elem, BaseDataElement) or isinstance(elem, (str, bytes)) or elem is None:
        return list(data_batch)
    if isinstance(elem, torch.Tensor):
        return torch.stack(list(data_batch), 0)
    if isinstance(elem, np.ndarray):
        return torch.stack([torch.as_tensor(x) for x in data_batch], 0)
    if isinstance(elem, (bool, int, float, np.number)):
        return torch.tensor(data_batch)
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):
        return type(elem)(*(default_collate(samples) for samples in zip(*data_batch)))
    if isinstance(elem, Mapping):
        return type(elem)({key: default_collate([d[key] for d in data_batch]) for key in elem})
    if isinstance(elem, Sequence):
        _check_lengths(data_batch)
        return [default_collate(list(samples)) for samples in zip(*data_batch)]
    raise TypeError(f'default_collate cannot batch {type(elem).__name__}; use pseudo_collate '
                    f'or a custom collate_fn')
