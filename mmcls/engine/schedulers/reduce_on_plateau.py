"""``ReduceOnPlateauParamScheduler``: cut a value when a validation metric stalls.

Unlike the other schedulers its value depends on metrics, so it marks itself
``need_val_args = True``: the scheduler hook calls ``step()`` every epoch
(which only counts the epoch) and ``step(metrics)`` after each validation,
which compares ``metrics[monitor]`` with the best value so far.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from mmcls.registry import PARAM_SCHEDULERS

from .base import INF, _ParamScheduler


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauParamScheduler(_ParamScheduler):
    """Multiply the value by ``factor`` after ``patience`` validations without improvement.

    Args:
        optimizer: optimizer or optimizer wrapper.
        param_name: the scheduled param-group key.
        monitor: metric name looked up in the ``metrics`` dict.
        rule: ``'less'`` (lower is better) or ``'greater'``.
        factor: multiplier (< 1) applied on a plateau.
        patience: validations without improvement tolerated before reducing.
        threshold: minimal change counted as an improvement.
        threshold_rule: ``'rel'`` (relative to the best) or ``'abs'``.
        cooldown: validations to wait after a reduction before counting again.
        min_value: lower bound of the value (one per group, or a scalar).
        eps: reductions smaller than this are skipped.
        begin, end, last_step, by_epoch, verbose: as in :class:`_ParamScheduler`;
            only ``by_epoch=True`` is supported (validation is per epoch).
    """

    need_val_args = True

    def __init__(self, optimizer: Any, param_name: str, monitor: str = 'loss',
                 rule: str = 'less', factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_rule: str = 'rel', cooldown: int = 0,
                 min_value: Union[float, Sequence[float]] = 0., eps: float = 1e-8,
                 begin: int = 0, end: int = INF, last_step: int = -1, by_epoch: bool = True,
                 verbose: bool = False):
        name = type(self).__name__
        if not by_epoch:
            raise ValueError(f'{name}: only by_epoch=True is supported')
        if factor >= 1.0:
            raise ValueError(f'{name}: factor must be < 1, got {factor}')
        if rule not in ('less', 'greater'):
            raise ValueError(f"{name}: rule must be 'less' or 'greater', got {rule!r}")
        if threshold_rule not in ('rel', 'abs'):
            raise ValueError(f"{name}: threshold_rule must be 'rel' or 'abs', "
                             f'got {threshold_rule!r}')
        if threshold < 0:
            raise ValueError(f'{name}: threshold must be >= 0, got {threshold}')
        if end <= begin:
            raise ValueError(f'{name}: end must be larger than begin, got begin={begin}, end={end}')
        self.optimizer = optimizer
        self.param_name = param_name
        self.begin, self.end, self.by_epoch, self.verbose = begin, end, by_epoch, verbose
        self._init_base_values(last_step)
        n_groups = len(optimizer.param_groups)
        if isinstance(min_value, (list, tuple)):
            if len(min_value) != n_groups:
                raise ValueError(f'{name}: min_value has {len(min_value)} values for '
                                 f'{n_groups} param groups')
            self.min_values = list(min_value)
        else:
            self.min_values = [min_value] * n_groups
        self.monitor, self.rule, self.factor, self.patience = monitor, rule, factor, patience
        self.threshold, self.threshold_rule = threshold, threshold_rule
        self.cooldown, self.eps = cooldown, eps
        self.best = INF if rule == 'less' else -INF
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_step = last_step
        self._global_step = 0
        self._last_value = self._current_values()

    def step(self, metrics: Optional[Dict[str, float]] = None) -> None:
        """Without ``metrics`` count one epoch; with them, judge and maybe reduce."""
        if metrics is None:
            self._global_step += 1
            return
        if not isinstance(metrics, dict):
            raise TypeError(f'{type(self).__name__}.step: metrics must be a dict, '
                            f'got {type(metrics).__name__}')
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            self._judge(metrics)
        self._last_value = self._current_values()

    def _judge(self, metrics: Dict[str, float]) -> None:
        if self.monitor not in metrics:
            raise KeyError(f'{type(self).__name__}: monitor {self.monitor!r} is not among the '
                           f'metrics {sorted(metrics)}')
        metric = float(metrics[self.monitor])
        if self._is_better(metric):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, value in zip(self.optimizer.param_groups, self._get_value()):
                if group[self.param_name] - value > self.eps:
                    group[self.param_name] = value
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def _is_better(self, metric: float) -> bool:
        if self.rule == 'less':
            bound = self.best * (1 - self.threshold) if self.threshold_rule == 'rel' \
                else self.best - self.threshold
            return metric < bound
        bound = self.best * (1 + self.threshold) if self.threshold_rule == 'rel' \
            else self.best + self.threshold
        return metric > bound

    def _get_value(self) -> List[float]:
        return [max(float(v) * self.factor, lo)
                for v, lo in zip(self._current_values(), self.min_values)]


__all__ = ['ReduceOnPlateauParamScheduler']
