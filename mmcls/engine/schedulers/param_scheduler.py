"""Generic schedulers of any param-group value (``param_name`` chooses which).

``LR`` and ``Momentum`` versions (``CosineAnnealingLR``, ``LinearMomentum``...)
in :mod:`.lr_scheduler` and :mod:`.momentum_scheduler` fix ``param_name``.
Each ``_get_value`` returns the new value for ``self.last_step`` (0 at the
scheduler's ``begin``), computed from the current value so that overlapping
schedulers chain.
"""
from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence

from mmcls.registry import PARAM_SCHEDULERS

from .base import INF, _ParamScheduler


def _check_unit_interval(owner: str, name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f'{owner}: {name} must be in [0, 1], got {value}')


@PARAM_SCHEDULERS.register_module()
class ConstantParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` from ``begin`` until ``end - 1``, where it is restored."""

    def __init__(self, optimizer: Any, param_name: str, factor: float = 1.0 / 3,
                 begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose: bool = False):
        _check_unit_interval(type(self).__name__, 'factor', factor)
        self.factor = factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        if self.last_step == 0:
            return self._scaled_values(self.factor)
        if self.last_step == self.total_iters:
            return [v / self.factor for v in self._current_values()]
        return self._current_values()


@PARAM_SCHEDULERS.register_module()
class LinearParamScheduler(_ParamScheduler):
    """Scale the value by a factor going linearly from ``start_factor`` (at ``begin``)
    to ``end_factor`` (at ``end - 1``)."""

    def __init__(self, optimizer: Any, param_name: str, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False):
        _check_unit_interval(type(self).__name__, 'start_factor', start_factor)
        _check_unit_interval(type(self).__name__, 'end_factor', end_factor)
        if start_factor == 0:
            raise ValueError(f'{type(self).__name__}: start_factor must be > 0 (the value is '
                             'scaled relative to the previous step)')
        self.total_iters = end - begin - 1
        self.start_factor = start_factor
        self.end_factor = end_factor
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        if self.last_step == 0:
            return self._scaled_values(self.start_factor)
        if self.last_step > self.total_iters:
            return self._current_values()
        delta = self.end_factor - self.start_factor
        ratio = 1. + delta / (self.total_iters * self.start_factor + (self.last_step - 1) * delta)
        return self._scaled_values(ratio)


@PARAM_SCHEDULERS.register_module()
class ExponentialParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every step."""

    def __init__(self, optimizer: Any, param_name: str, gamma: float, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        if self.last_step == 0:
            return self._current_values()
        return self._scaled_values(self.gamma)


@PARAM_SCHEDULERS.register_module()
class StepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` every ``step_size`` steps."""

    iter_based_fields = ('step_size',)

    def __init__(self, optimizer: Any, param_name: str, step_size: int, gamma: float = 0.1,
                 begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose: bool = False):
        if step_size <= 0:
            raise ValueError(f'{type(self).__name__}: step_size must be > 0, got {step_size}')
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        if self.last_step == 0 or self.last_step % self.step_size != 0:
            return self._current_values()
        return self._scaled_values(self.gamma)


@PARAM_SCHEDULERS.register_module()
class MultiStepParamScheduler(_ParamScheduler):
    """Multiply the value by ``gamma`` at each milestone (twice for a repeated one)."""

    iter_based_fields = ('milestones',)

    def __init__(self, optimizer: Any, param_name: str, milestones: Sequence[int],
                 gamma: float = 0.1, last_step: int = -1, begin: int = 0, end: int = INF,
                 by_epoch: bool = True, verbose: bool = False):
        if list(milestones) != sorted(milestones):
            raise ValueError(f'{type(self).__name__}: milestones must be increasing, '
                             f'got {list(milestones)}')
        self.milestones = {}
        for m in milestones:
            self.milestones[int(m)] = self.milestones.get(int(m), 0) + 1
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        times = self.milestones.get(self.last_step, 0)
        return self._scaled_values(self.gamma ** times)


def _eta_min_for(base: float, eta_min: Optional[float], eta_min_ratio: Optional[float]) -> float:
    return base * eta_min_ratio if eta_min_ratio is not None else eta_min


def _check_eta_min(owner: str, eta_min: Optional[float], eta_min_ratio: Optional[float]):
    if eta_min is not None and eta_min_ratio is not None:
        raise ValueError(f'{owner}: give either eta_min or eta_min_ratio, not both')


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingParamScheduler(_ParamScheduler):
    """Cosine annealing from the initial value to ``eta_min`` over ``T_max`` steps (SGDR
    without restarts).

    ``T_max`` defaults to ``end - begin``; ``eta_min_ratio`` sets the minimum
    as a fraction of each group's initial value instead of ``eta_min``.
    """

    iter_based_fields = ('T_max',)

    def __init__(self, optimizer: Any, param_name: str, T_max: Optional[int] = None,
                 eta_min: Optional[float] = None, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False,
                 eta_min_ratio: Optional[float] = None):
        _check_eta_min(type(self).__name__, eta_min, eta_min_ratio)
        self.T_max = T_max or (end - begin)
        self.eta_min = 0. if eta_min is None and eta_min_ratio is None else eta_min
        self.eta_min_ratio = eta_min_ratio
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        if self.last_step == 0:
            return self._current_values()
        t, T = self.last_step, self.T_max
        values = []
        for base, value in zip(self.base_values, self._current_values()):
            eta_min = _eta_min_for(base, self.eta_min, self.eta_min_ratio)
            if (t - 1 - T) % (2 * T) == 0:  # cosine trough: the ratio below would be 0/0
                values.append(value + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2)
            else:
                ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                values.append(ratio * (value - eta_min) + eta_min)
        return values


@PARAM_SCHEDULERS.register_module()
class CosineRestartParamScheduler(_ParamScheduler):
    """Cosine annealing restarted after each period.

    Period ``i`` lasts ``periods[i]`` steps and starts from the initial value
    times ``restart_weights[i]``; after the last period the value is kept.
    """

    iter_based_fields = ('periods',)

    def __init__(self, optimizer: Any, param_name: str, periods: Sequence[int],
                 restart_weights: Sequence[float] = (1,), eta_min: Optional[float] = None,
                 eta_min_ratio: Optional[float] = None, begin: int = 0, end: int = INF,
                 last_step: int = -1, by_epoch: bool = True, verbose: bool = False):
        if (eta_min is None) == (eta_min_ratio is None):
            raise ValueError(f'{type(self).__name__}: give exactly one of eta_min and '
                             'eta_min_ratio')
        if len(periods) != len(restart_weights):
            raise ValueError(f'{type(self).__name__}: periods ({len(periods)}) and '
                             f'restart_weights ({len(restart_weights)}) differ in length')
        self.periods = list(periods)
        self.restart_weights = list(restart_weights)
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.cumulative_periods = [sum(self.periods[:i + 1]) for i in range(len(self.periods))]
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _period_index(self) -> Optional[int]:
        for i, boundary in enumerate(self.cumulative_periods):
            if self.last_step < boundary:
                return i
        return None

    def _get_value(self) -> List[float]:
        idx = self._period_index()
        if idx is None:
            return self._current_values()
        step = self.last_step - (self.cumulative_periods[idx - 1] if idx else 0)
        period = self.periods[idx]
        values = []
        for base, value in zip(self.base_values, self._current_values()):
            eta_min = _eta_min_for(base, self.eta_min, self.eta_min_ratio)
            if step == 0:
                values.append(base * self.restart_weights[idx])
            else:
                ratio = ((1 + math.cos(math.pi * step / period))
                         / (1 + math.cos(math.pi * (step - 1) / period)))
                values.append(ratio * (value - eta_min) + eta_min)
        return values


@PARAM_SCHEDULERS.register_module()
class PolyParamScheduler(_ParamScheduler):
    """Polynomial decay to ``eta_min`` at ``end - 1``: ``(1 - t / T) ** power``."""

    def __init__(self, optimizer: Any, param_name: str, eta_min: float = 0, power: float = 1.0,
                 begin: int = 0, end: int = INF, last_step: int = -1,
                 by_epoch: bool = True, verbose: bool = False):
        self.eta_min = eta_min
        self.power = power
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> List[float]:
        if self.last_step == 0:
            return self._current_values()
        if self.last_step > self.total_iters:
            return self._current_values()
        ratio = (1 - 1 / (self.total_iters - self.last_step + 1)) ** self.power
        return [(v - self.eta_min) * ratio + self.eta_min for v in self._current_values()]


@PARAM_SCHEDULERS.register_module()
class OneCycleParamScheduler(_ParamScheduler):
    """The 1cycle policy (Super-Convergence): warm up to ``eta_max`` then anneal far below.

    The value starts at ``eta_max / div_factor``, reaches ``eta_max`` after
    ``pct_start`` of ``total_steps`` (default ``end - begin``), and ends at
    ``initial / final_div_factor``. ``three_phase`` returns to the initial
    value before the final annealing. Not chainable.
    """

    iter_based_fields = ('total_steps',)

    def __init__(self, optimizer: Any, param_name: str, eta_max: Any = 0,
                 total_steps: Optional[int] = None, pct_start: float = 0.3,
                 anneal_strategy: str = 'cos', div_factor: float = 25.,
                 final_div_factor: float = 1e4, three_phase: bool = False, begin: int = 0,
                 end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        name = type(self).__name__
        self.total_steps = total_steps if total_steps is not None else end - begin
        if not isinstance(self.total_steps, int) or self.total_steps <= 0:
            raise ValueError(f'{name}: total_steps must be a positive int, got {total_steps!r}')
        _check_unit_interval(name, 'pct_start', pct_start)
        if anneal_strategy not in ('cos', 'linear'):
            raise ValueError(f"{name}: anneal_strategy must be 'cos' or 'linear', "
                             f'got {anneal_strategy!r}')
        self.anneal_strategy = anneal_strategy
        self.eta_max, self.div_factor, self.final_div_factor = eta_max, div_factor, final_div_factor
        self.phases = self._phases(param_name, float(pct_start), three_phase)
        groups = optimizer.param_groups
        max_values = (list(eta_max) if isinstance(eta_max, (list, tuple))
                      else [eta_max] * len(groups))
        if len(max_values) != len(groups):
            raise ValueError(f'{name}: eta_max has {len(max_values)} values for '
                             f'{len(groups)} param groups')
        if last_step == -1:
            for group, max_value in zip(groups, max_values):
                group[f'initial_{param_name}'] = max_value / div_factor
                group[f'max_{param_name}'] = max_value
                group[f'min_{param_name}'] = max_value / div_factor / final_div_factor
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _phases(self, p: str, pct_start: float, three_phase: bool) -> List[dict]:
        """Each phase: last step index, value key at its start, value key at its end."""
        rise = pct_start * self.total_steps - 1
        if three_phase:
            return [dict(end_step=rise, start=f'initial_{p}', end=f'max_{p}'),
                    dict(end_step=2 * pct_start * self.total_steps - 2, start=f'max_{p}',
                         end=f'initial_{p}'),
                    dict(end_step=self.total_steps - 1, start=f'initial_{p}', end=f'min_{p}')]
        return [dict(end_step=rise, start=f'initial_{p}', end=f'max_{p}'),
                dict(end_step=self.total_steps - 1, start=f'max_{p}', end=f'min_{p}')]

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == 'cos':
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _get_value(self) -> List[float]:
        step = self.last_step
        if step > self.total_steps:
            raise ValueError(f'{type(self).__name__}: stepped {step + 1} times but '
                             f'total_steps is {self.total_steps}')
        values = []
        for group in self.optimizer.param_groups:
            start_step = 0.
            for i, phase in enumerate(self.phases):
                if step <= phase['end_step'] or i == len(self.phases) - 1:
                    pct = (step - start_step) / (phase['end_step'] - start_step)
                    values.append(self._anneal(group[phase['start']], group[phase['end']], pct))
                    break
                start_step = phase['end_step']
        return values


__all__ = ['ConstantParamScheduler', 'LinearParamScheduler', 'ExponentialParamScheduler',
           'StepParamScheduler', 'MultiStepParamScheduler', 'CosineAnnealingParamScheduler',
           'CosineRestartParamScheduler', 'PolyParamScheduler', 'OneCycleParamScheduler']
