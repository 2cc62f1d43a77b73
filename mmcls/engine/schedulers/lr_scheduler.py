"""Learning-rate schedulers: the generic schedulers with ``param_name='lr'``.

Config names are MMEngine's (``MultiStepLR``, ``LinearLR``, ``CosineAnnealingLR``...);
arguments are those of the generic scheduler without ``param_name``.
"""
from __future__ import annotations

from typing import Any

from mmcls.registry import PARAM_SCHEDULERS

from .param_scheduler import (ConstantParamScheduler, CosineAnnealingParamScheduler,
                              CosineRestartParamScheduler, ExponentialParamScheduler,
                              LinearParamScheduler, MultiStepParamScheduler,
                              OneCycleParamScheduler, PolyParamScheduler, StepParamScheduler)
from .reduce_on_plateau import ReduceOnPlateauParamScheduler


class LRSchedulerMixin:
    """Fix ``param_name='lr'`` for a generic scheduler."""

    def __init__(self, optimizer: Any, *args, **kwargs):
        super().__init__(optimizer, 'lr', *args, **kwargs)


@PARAM_SCHEDULERS.register_module()
class ConstantLR(LRSchedulerMixin, ConstantParamScheduler):
    """Learning rate version of :class:`ConstantParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class LinearLR(LRSchedulerMixin, LinearParamScheduler):
    """Learning rate version of :class:`LinearParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class ExponentialLR(LRSchedulerMixin, ExponentialParamScheduler):
    """Learning rate version of :class:`ExponentialParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class StepLR(LRSchedulerMixin, StepParamScheduler):
    """Learning rate version of :class:`StepParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class MultiStepLR(LRSchedulerMixin, MultiStepParamScheduler):
    """Learning rate version of :class:`MultiStepParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingLR(LRSchedulerMixin, CosineAnnealingParamScheduler):
    """Learning rate version of :class:`CosineAnnealingParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartLR(LRSchedulerMixin, CosineRestartParamScheduler):
    """Learning rate version of :class:`CosineRestartParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class PolyLR(LRSchedulerMixin, PolyParamScheduler):
    """Learning rate version of :class:`PolyParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauLR(LRSchedulerMixin, ReduceOnPlateauParamScheduler):
    """Learning rate version of :class:`ReduceOnPlateauParamScheduler`."""


@PARAM_SCHEDULERS.register_module()
class OneCycleLR(LRSchedulerMixin, OneCycleParamScheduler):
    """Learning rate version of :class:`OneCycleParamScheduler`."""


__all__ = ['LRSchedulerMixin', 'ConstantLR', 'LinearLR', 'ExponentialLR', 'StepLR',
           'MultiStepLR', 'CosineAnnealingLR', 'CosineRestartLR', 'PolyLR', 'ReduceOnPlateauLR',
           'OneCycleLR']
