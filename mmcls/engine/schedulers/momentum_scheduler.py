"""Momentum schedulers: the generic schedulers applied to ``momentum``.

For Adam-like optimizers, which have ``betas`` instead of ``momentum``, the
scheduled value is ``betas[0]``.
"""
from __future__ import annotations

from typing import Any

from mmcls.registry import PARAM_SCHEDULERS

from .param_scheduler import (ConstantParamScheduler, CosineAnnealingParamScheduler,
                              CosineRestartParamScheduler, ExponentialParamScheduler,
                              LinearParamScheduler, MultiStepParamScheduler,
                              PolyParamScheduler, StepParamScheduler)
from .reduce_on_plateau import ReduceOnPlateauParamScheduler


class MomentumSchedulerMixin:
    """Fix ``param_name='momentum'``, mirroring it into ``betas[0]`` for Adam-like optimizers."""

    def __init__(self, optimizer: Any, *args, **kwargs):
        groups = optimizer.param_groups
        if all('momentum' in g for g in groups):
            self.use_betas = False
        elif all('betas' in g for g in groups):
            self.use_betas = True
            for group in groups:
                group['momentum'] = group['betas'][0]
        else:
            raise ValueError(f'{type(self).__name__}: the optimizer has neither momentum nor '
                             'betas in its param groups')
        super().__init__(optimizer, 'momentum', *args, **kwargs)

    def step(self, *args, **kwargs) -> None:
        super().step(*args, **kwargs)
        if self.use_betas:
            for group in self.optimizer.param_groups:
                group['betas'] = (group['momentum'], *group['betas'][1:])


@PARAM_SCHEDULERS.register_module()
class ConstantMomentum(MomentumSchedulerMixin, ConstantParamScheduler):
    """Momentum version of :class:`ConstantParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class LinearMomentum(MomentumSchedulerMixin, LinearParamScheduler):
    """Momentum version of :class:`LinearParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class ExponentialMomentum(MomentumSchedulerMixin, ExponentialParamScheduler):
    """Momentum version of :class:`ExponentialParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class StepMomentum(MomentumSchedulerMixin, StepParamScheduler):
    """Momentum version of :class:`StepParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class MultiStepMomentum(MomentumSchedulerMixin, MultiStepParamScheduler):
    """Momentum version of :class:`MultiStepParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingMomentum(MomentumSchedulerMixin, CosineAnnealingParamScheduler):
    """Momentum version of :class:`CosineAnnealingParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartMomentum(MomentumSchedulerMixin, CosineRestartParamScheduler):
    """Momentum version of :class:`CosineRestartParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class PolyMomentum(MomentumSchedulerMixin, PolyParamScheduler):
    """Momentum version of :class:`PolyParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauMomentum(MomentumSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Momentum version of :class:`ReduceOnPlateauParamScheduler`."""


__all__ = ['MomentumSchedulerMixin', 'ConstantMomentum', 'LinearMomentum', 'ExponentialMomentum',
           'StepMomentum', 'MultiStepMomentum', 'CosineAnnealingMomentum', 'CosineRestartMomentum',
           'PolyMomentum', 'ReduceOnPlateauMomentum']
