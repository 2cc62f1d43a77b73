"""``_ParamScheduler``: the base of every learning-rate / momentum / parameter scheduler.

A scheduler changes one hyper-parameter (``param_name``) of every param group
of an optimizer (or :class:`~mmcls.engine.optimizers.OptimWrapper`) on each
:meth:`step`, but only while its global step count is inside ``[begin, end)``;
outside it the value is left alone, so a list of schedulers composes:
gaps keep the value, overlaps chain in list order.
Values are computed in "chainable" form from the group's *current* value,
which is what makes overlapping schedulers multiply like PyTorch's
``ChainedScheduler``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Sequence

INF = int(1e9)


class _ParamScheduler(ABC):
    """Base class of the parameter schedulers (MMEngine semantics).

    Args:
        optimizer: a ``torch.optim.Optimizer`` or an optimizer wrapper (any
            object with ``param_groups``).
        param_name: the param-group key to schedule (``'lr'``, ``'momentum'``...).
        begin: first global step (epoch or iteration) the scheduler acts on.
        end: first global step it no longer acts on.
        last_step: index of the last step when resuming without a state dict;
            ``-1`` means a fresh start. Resuming needs ``initial_<param_name>``
            already in the param groups.
        by_epoch: whether :meth:`step` is called once per epoch (else per
            iteration); read by the runner's scheduler hook.
        verbose: print each new value.

    Subclasses implement :meth:`_get_value` and may list in
    ``iter_based_fields`` the constructor arguments counted in epochs, which
    :meth:`build_iter_from_epoch` multiplies by the epoch length.
    """

    #: constructor arguments (other than begin/end) measured in steps.
    iter_based_fields: Sequence[str] = ()

    def __init__(self,
                 optimizer: Any,
                 param_name: str,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = True,
                 verbose: bool = False):
        self._check_arguments(optimizer, begin, end, last_step)
        self.optimizer, self.param_name = optimizer, param_name
        self.begin, self.end = begin, end
        self.by_epoch, self.verbose = by_epoch, verbose
        self._init_base_values(last_step)
        self.last_step = last_step
        self._global_step = -1
        self.step()

    def _check_arguments(self, optimizer: Any, begin: int, end: int, last_step: int) -> None:
        """Refuse an optimizer without param groups, an empty ``[begin, end)`` window and a
        ``last_step`` below -1."""
        if not hasattr(optimizer, 'param_groups'):
            raise TypeError(f'{type(self).__name__}: optimizer must be an Optimizer or an '
                            f'OptimWrapper, got {type(optimizer).__name__}')
        if end <= begin:
            raise ValueError(f'{type(self).__name__}: end must be larger than begin, got '
                             f'begin={begin}, end={end}')
        if not isinstance(last_step, int) or last_step < -1:
            raise ValueError(f'{type(self).__name__}: last_step must be an int >= -1, '
                             f'got {last_step!r}')

    def _init_base_values(self, last_step: int) -> None:
        key = f'initial_{self.param_name}'
        for i, group in enumerate(self.optimizer.param_groups):
            if self.param_name not in group:
                raise KeyError(f'{type(self).__name__}: param_groups[{i}] has no '
                               f'{self.param_name!r}; this optimizer cannot schedule it')
            if last_step == -1:
                group.setdefault(key, group[self.param_name])
            elif key not in group:
                raise KeyError(f'{type(self).__name__}: param_groups[{i}] has no {key!r}, '
                               f'needed to resume with last_step={last_step}')
        self.base_values = [group[key] for group in self.optimizer.param_groups]

    @classmethod
    def build_iter_from_epoch(cls, *args, epoch_length: int, begin: int = 0, end: int = INF,
                              by_epoch: bool = True, **kwargs) -> '_ParamScheduler':
        """Build an iteration-based scheduler from epoch-based arguments.

        ``begin``, ``end`` (unless infinite) and the ``iter_based_fields``
        are multiplied by ``epoch_length``; ``by_epoch`` becomes False.
        """
        if not by_epoch:
            raise ValueError(f'{cls.__name__}: convert_to_iter_based needs by_epoch=True')
        if not isinstance(epoch_length, int) or epoch_length <= 0:
            raise ValueError(f'{cls.__name__}: epoch_length must be a positive int, '
                             f'got {epoch_length!r}')
        for field in cls.iter_based_fields:
            if kwargs.get(field) is not None:
                kwargs[field] = _scale(kwargs[field], epoch_length)
        end = end if end == INF else int(end * epoch_length)
        return cls(*args, begin=int(begin * epoch_length), end=end, by_epoch=False, **kwargs)

    # -- stepping -----------------------------------------------------------
    def step(self) -> None:
        """Advance one step; inside ``[begin, end)`` set the new values."""
        self._global_step += 1
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            for i, (group, value) in enumerate(zip(self.optimizer.param_groups,
                                                   self._get_value())):
                group[self.param_name] = value
                if self.verbose:
                    print(f'{type(self).__name__}: set {self.param_name} of group {i} '
                          f'to {value:.4e}')
        self._last_value = [group[self.param_name] for group in self.optimizer.param_groups]

    @abstractmethod
    def _get_value(self) -> List[float]:
        """Values for ``self.last_step`` (chainable form), one per param group."""

    def _current_values(self) -> List[float]:
        return [group[self.param_name] for group in self.optimizer.param_groups]

    def _scaled_values(self, factor: float) -> List[float]:
        """The current values multiplied by ``factor``."""
        return [value * factor for value in self._current_values()]

    def get_last_value(self) -> List[float]:
        """The values set (or kept) by the latest :meth:`step`, one per param group."""
        return self._last_value

    # -- resuming -------------------------------------------------------------
    def state_dict(self) -> Dict[str, Any]:
        """Every attribute except the optimizer (plain Python values only)."""
        return {k: v for k, v in self.__dict__.items() if k != 'optimizer'}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(param_name={self.param_name!r}, begin={self.begin}, '
                f'end={self.end}, by_epoch={self.by_epoch}, last_step={self.last_step})')


def _scale(value: Any, factor: int) -> Any:
    if isinstance(value, (list, tuple)):
        return type(value)(int(v * factor) for v in value)
    return int(value * factor)


__all__ = ['_ParamScheduler', 'INF']
