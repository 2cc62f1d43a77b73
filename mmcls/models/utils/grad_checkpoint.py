"""Gradient checkpointing of a block's forward, as the ``with_cp`` option of many blocks asks."""
from typing import Any, Callable

import torch
import torch.utils.checkpoint as cp


def checkpointed(fn: Callable[..., Any], *args: Any, with_cp: bool) -> Any:
    """``fn(*args)``; with ``with_cp``, its activations are recomputed in the backward pass
    instead of being stored, which trades compute for memory.

    Checkpointing only pays off when gradients flow back through an input, so without an input
    tensor that requires grad (inference, frozen stems) ``fn`` simply runs.
    """
    if with_cp and any(torch.is_tensor(a) and a.requires_grad for a in args):
        return cp.checkpoint(fn, *args, use_reentrant=False)
    return fn(*args)


__all__ = ['checkpointed']
