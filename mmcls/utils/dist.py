"""Thin helpers over ``torch.distributed`` that also work when it is not initialised.

Samplers, metrics and the runner ask these for the rank and world size and use
them to gather results; in a single process they are no-ops.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, List, Tuple

import torch
import torch.distributed as torch_dist


def is_distributed() -> bool:
    """True when a default process group is initialised."""
    return torch_dist.is_available() and torch_dist.is_initialized()


def get_dist_info() -> Tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` outside distributed runs."""
    if is_distributed():
        return torch_dist.get_rank(), torch_dist.get_world_size()
    return 0, 1


def get_rank() -> int:
    return get_dist_info()[0]


def get_world_size() -> int:
    return get_dist_info()[1]


def is_main_process() -> bool:
    return get_rank() == 0


def master_only(func: Callable) -> Callable:
    """Run ``func`` on rank 0 only (returns None elsewhere)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if is_main_process():
            return func(*args, **kwargs)
        return None

    return wrapper


def barrier() -> None:
    if is_distributed():
        torch_dist.barrier()


def all_gather_object(obj: Any) -> List[Any]:
    """Gather a picklable object from every rank; ``[obj]`` in a single process."""
    if not is_distributed():
        return [obj]
    gathered: List[Any] = [None] * get_world_size()
    torch_dist.all_gather_object(gathered, obj)
    return gathered


def broadcast_object_list(objects: List[Any], src: int = 0) -> List[Any]:
    """Broadcast a list of picklable objects from ``src`` in place and return it."""
    if is_distributed():
        torch_dist.broadcast_object_list(objects, src=src)
    return objects


def collect_results(results: List[Any], size: int) -> List[Any]:
    """Gather per-rank result lists into the dataset order and drop padding.

    Distributed samplers deal samples round-robin (rank r gets r, r+W, ...)
    and pad the last round, so results are interleaved back and cut to ``size``.
    """
    parts = all_gather_object(results)
    if len(parts) == 1:
        return list(parts[0])[:size]
    ordered: List[Any] = []
    for items in zip(*parts):
        ordered.extend(items)
    longest = max(len(p) for p in parts)
    for i, part in enumerate(parts):  # ranks with one extra item at the end
        if len(part) == longest and len(part) > min(len(p) for p in parts):
            ordered.append(part[-1])
    return ordered[:size]


def all_reduce(tensor: torch.Tensor, op: str = 'sum') -> torch.Tensor:
    """All-reduce ``tensor`` in place (``'sum'`` or ``'mean'``) and return it."""
    if not is_distributed():
        return tensor
    torch_dist.all_reduce(tensor, op=torch_dist.ReduceOp.SUM)
    if op == 'mean':
        tensor.div_(get_world_size())
    elif op != 'sum':
        raise ValueError(f"op must be 'sum' or 'mean', got {op!r}")
    return tensor
