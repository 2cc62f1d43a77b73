"""Register every ``torch.optim`` optimizer under its class name.

Configs say ``optimizer=dict(type='SGD', ...)`` or ``type='AdamW'``; this
module makes each optimizer class that the installed torch
ships (``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ...) buildable from
:data:`mmcls.registry.OPTIMIZERS` without listing them by hand.
"""
from __future__ import annotations

import inspect
from typing import List

import torch

from mmcls.registry import OPTIMIZERS


def register_torch_optimizers() -> List[str]:
    """Register each ``torch.optim.Optimizer`` subclass; return their names."""
    names = []
    for name in dir(torch.optim):
        if name.startswith('_'):
            continue
        obj = getattr(torch.optim, name)
        if (inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)
                and obj is not torch.optim.Optimizer):
            OPTIMIZERS.register_module(module=obj)
            names.append(name)
    return names


TORCH_OPTIMIZERS = register_torch_optimizers()

__all__ = ['TORCH_OPTIMIZERS', 'register_torch_optimizers']
