"""Collate functions (FUNCTIONS registry) that turn a list of samples into a batch.

``pseudo_collate`` (the default) only regroups: a list of
``dict(inputs=Tensor, data_samples=ClsDataSample)`` becomes
``dict(inputs=[Tensor, ...], data_samples=[ClsDataSample, ...])`` and the data
preprocessor stacks/pads later.  ``default_collate`` stacks tensors and
numbers too, keeping data samples as lists.

Inside a DataLoader worker both write a batch's tensors into one shared-memory
buffer: the worker then hands the main process one segment per batch instead of
copying every tensor into a segment of its own on the way (``pseudo_collate``
would otherwise send one segment per image).  This lets two workers scale on two
cores; outside workers nothing changes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

import numpy as np
import torch
from torch.utils.data import get_worker_info

from mmcls.registry import FUNCTIONS
from mmcls.structures import BaseDataElement

__all__ = ['pseudo_collate', 'default_collate', 'stack_images']


def _worker_buffer(tensors: Sequence[torch.Tensor]) -> Optional[torch.Tensor]:
    """A 1-D shared-memory tensor that fits ``tensors`` end to end, when called in a
    DataLoader worker with CPU tensors of one dtype; None otherwise."""
    if get_worker_info() is None:
        return None
    first = tensors[0]
    if any(t.device.type != 'cpu' or t.dtype != first.dtype or t.requires_grad
           for t in tensors):
        return None
    numel = sum(t.numel() for t in tensors)
    storage = first._typed_storage()._new_shared(numel, device=first.device)
    return first.new(storage).resize_(numel)


def _memory_order(tensor: torch.Tensor) -> list:
    """The tensor's dims from the largest stride to the smallest: its layout in memory."""
    return sorted(range(tensor.ndim), key=lambda d: (-tensor.stride(d), d))


def _laid_out(flat: torch.Tensor, shape: Sequence[int], order: Sequence[int]) -> tuple:
    """``flat`` (1-D) as a dense tensor of ``shape`` whose dims lie in memory in ``order``.

    Returns ``(dense, view)``: ``dense`` is contiguous in the permuted order, ``view`` is
    the same memory with the dims back in ``shape`` order.
    """
    dense = flat.view([shape[d] for d in order])
    return dense, dense.permute([list(order).index(d) for d in range(len(order))])


def _pack_tensors(tensors: Sequence[torch.Tensor]) -> list:
    """The tensors as views into one worker buffer (see the module docstring), or as they are.

    Each copy keeps its tensor's memory layout (an HWC-strided image stays HWC), so
    it is a plain copy, not a transpose.
    """
    buffer = _worker_buffer(tensors)
    if buffer is None:
        return list(tensors)
    views, offset = [], 0
    for tensor in tensors:
        flat = buffer[offset:offset + tensor.numel()]
        view = _laid_out(flat, tensor.shape, _memory_order(tensor))[1]
        view.copy_(tensor)
        views.append(view)
        offset += tensor.numel()
    return views


def stack_images(tensors: Sequence[torch.Tensor],
                 flat_out: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``torch.stack(tensors)`` that keeps the memory layout of ``tensors[0]``.

    CHW views of HWC images (see ``image_to_chw_tensor``) stack into an
    (N, C, H, W) batch with channels-last strides: one plain copy per image.
    Plain ``torch.stack`` would transpose every image into NCHW order, which on
    a CPU costs several times the copy.  ``flat_out``, a 1-D tensor of the
    batch's size, receives the batch.  Tensors of different shapes or dtypes go
    to ``torch.stack`` as they are (which raises or promotes).
    """
    first = tensors[0]
    if any(t.shape != first.shape or t.dtype != first.dtype for t in tensors):
        return torch.stack(list(tensors), 0)
    order = _memory_order(first)
    if flat_out is None:
        flat_out = first.new_empty(len(tensors) * first.numel())
    dense, batch = _laid_out(flat_out, (len(tensors), *first.shape),
                             [0] + [d + 1 for d in order])
    torch.stack([t.permute(order) for t in tensors], 0, out=dense)
    return batch


def _stack(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """:func:`stack_images`, written straight into a worker buffer when there is one."""
    return stack_images(tensors, _worker_buffer(tensors))


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
    if isinstance(elem, torch.Tensor):
        return _pack_tensors(data_batch)
    return list(data_batch)


@FUNCTIONS.register_module()
def default_collate(data_batch: Sequence) -> Any:
    """Stack tensors, arrays and numbers into batch tensors; keep data samples and strings as lists."""
    elem = data_batch[0]
    if isinstance(elem, BaseDataElement) or isinstance(elem, (str, bytes)) or elem is None:
        return list(data_batch)
    if isinstance(elem, torch.Tensor):
        return _stack(data_batch)
    if isinstance(elem, np.ndarray):
        return _stack([torch.as_tensor(x) for x in data_batch])
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
