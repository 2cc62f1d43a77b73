"""Pieces of ``step()`` shared by the optimizers written here (Adan, Lamb, LARS)."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

import torch

__all__ = ['evaluate_closure', 'global_grad_norm']


def evaluate_closure(closure: Optional[Callable[[], Any]]) -> Any:
    """The loss ``closure`` re-evaluates (with gradients enabled), or None without a closure."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def global_grad_norm(param_groups: Iterable[dict]) -> Optional[torch.Tensor]:
    """The L2 norm of all the gradients of ``param_groups`` together; None when none has one."""
    grads = [p.grad for g in param_groups for p in g['params'] if p.grad is not None]
    if not grads:
        return None
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
