"""Averaged copies of a model for EMA/SWA (MMEngine's ``mmengine.model.averaged_model``).

Each wrapper holds a frozen deep copy in ``module`` and a ``steps`` buffer;
``update_parameters(model)`` folds the current weights of ``model`` into it.
They are registered in MODELS so ``EMAHook(ema_type=...)`` can build them.
"""
from __future__ import annotations

import copy
from typing import Dict, Optional, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

__all__ = ['BaseAveragedModel', 'ExponentialMovingAverage', 'MomentumAnnealingEMA',
           'StochasticWeightAverage']


class BaseAveragedModel(nn.Module):
    """Keep an average of a model's parameters (and buffers when ``update_buffers``).

    Args:
        model: the model to average.
        interval: fold in the weights every ``interval`` updates.
        device: where to keep the copy (default: the model's device).
        update_buffers: average buffers too instead of copying them.
    """

    def __init__(self, model: nn.Module, interval: int = 1,
                 device: Optional[Union[str, torch.device]] = None, update_buffers: bool = False):
        super().__init__()
        self.module = copy.deepcopy(model).requires_grad_(False)
        self.interval = interval
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer('steps', torch.tensor(0, dtype=torch.long, device=device))
        self.update_buffers = update_buffers
        self.avg_parameters: Dict[str, torch.Tensor] = (
            self.module.state_dict() if update_buffers else dict(self.module.named_parameters()))

    def avg_func(self, averaged_param: torch.Tensor, source_param: torch.Tensor,
                 steps: torch.Tensor) -> None:
        """Fold ``source_param`` into ``averaged_param`` in place."""
        raise TypeError(f'{type(self).__name__} must define avg_func')

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    @torch.no_grad()
    def update_parameters(self, model: nn.Module) -> None:
        """Average in the weights of ``model`` (the first call copies them)."""
        source = model.state_dict() if self.update_buffers else dict(model.named_parameters())
        if self.steps == 0:
            for key, avg in self.avg_parameters.items():
                avg.data.copy_(source[key].data)
        elif self.steps % self.interval == 0:
            for key, avg in self.avg_parameters.items():
                if avg.dtype.is_floating_point:
                    self.avg_func(avg.data, source[key].data.to(avg.device), self.steps)
        if not self.update_buffers:
            for avg_buffer, src_buffer in zip(self.module.buffers(), model.buffers()):
                avg_buffer.data.copy_(src_buffer.data.to(avg_buffer.device))
        self.steps += 1


@MODELS.register_module()
class ExponentialMovingAverage(BaseAveragedModel):
    """``avg = (1 - momentum) * avg + momentum * param`` (MMEngine's momentum convention)."""

    def __init__(self, model: nn.Module, momentum: float = 0.0002, interval: int = 1,
                 device: Optional[Union[str, torch.device]] = None, update_buffers: bool = False):
        super().__init__(model, interval, device, update_buffers)
        if not 0.0 < momentum < 1.0:
            raise ValueError(f'momentum must be in (0, 1), got {momentum}')
        self.momentum = momentum

    def avg_func(self, averaged_param, source_param, steps) -> None:
        averaged_param.lerp_(source_param, self.momentum)


@MODELS.register_module()
class MomentumAnnealingEMA(ExponentialMovingAverage):
    """EMA whose momentum starts high and decays to ``momentum``: ``max(momentum, gamma / (gamma + steps))``."""

    def __init__(self, model: nn.Module, momentum: float = 0.0002, gamma: int = 100,
                 interval: int = 1, device: Optional[Union[str, torch.device]] = None,
                 update_buffers: bool = False):
        super().__init__(model, momentum, interval, device, update_buffers)
        if gamma <= 0:
            raise ValueError(f'gamma must be positive, got {gamma}')
        self.gamma = gamma

    def avg_func(self, averaged_param, source_param, steps) -> None:
        momentum = max(self.momentum, self.gamma / (self.gamma + int(self.steps.item())))
        averaged_param.lerp_(source_param, momentum)


@MODELS.register_module()
class StochasticWeightAverage(BaseAveragedModel):
    """Plain running mean of the folded-in weights (SWA)."""

    def avg_func(self, averaged_param, source_param, steps) -> None:
        averaged_param.add_((source_param - averaged_param) / (int(steps.item()) // self.interval + 1))
