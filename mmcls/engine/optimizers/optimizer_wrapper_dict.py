"""``OptimWrapperDict``: named optimizer wrappers for models with several optimizers.

A model with e.g. a generator and a discriminator updates each part with its
own wrapper inside its ``train_step`` (``optim_wrapper['gen'].update_params``);
the dict gathers them so the runner can log, save and resume them together.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

from torch import nn

from mmcls.registry import OPTIM_WRAPPERS

from .optimizer_wrapper import OptimWrapper


@OPTIM_WRAPPERS.register_module()
class OptimWrapperDict:
    """A mapping ``name -> OptimWrapper``.

    Updating parameters is per wrapper (``wrappers['gen'].update_params``):
    the dict has no single optimizer to step, so :meth:`update_params` and
    friends raise a ``RuntimeError`` saying so.
    """

    def __init__(self, **optim_wrappers: OptimWrapper):
        for name, wrapper in optim_wrappers.items():
            if not isinstance(wrapper, OptimWrapper):
                raise TypeError(f'OptimWrapperDict: {name!r} must be an OptimWrapper, '
                                f'got {type(wrapper).__name__}')
        self.optim_wrappers: Dict[str, OptimWrapper] = dict(optim_wrappers)

    def _per_wrapper_only(self, method: str):
        example = next(iter(self.optim_wrappers), 'name')
        raise RuntimeError(f'OptimWrapperDict.{method}: call it on one wrapper, e.g. '
                           f'optim_wrapper[{example!r}].{method}(...)')

    def update_params(self, *args, **kwargs) -> None:
        self._per_wrapper_only('update_params')

    def backward(self, *args, **kwargs) -> None:
        self._per_wrapper_only('backward')

    def step(self, *args, **kwargs) -> None:
        self._per_wrapper_only('step')

    def optim_context(self, model: nn.Module):
        self._per_wrapper_only('optim_context')

    def zero_grad(self, **kwargs) -> None:
        """Clear the gradients of every wrapper."""
        for wrapper in self.optim_wrappers.values():
            wrapper.zero_grad(**kwargs)

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        for wrapper in self.optim_wrappers.values():
            wrapper.initialize_count_status(model, init_counts, max_counts)

    def get_lr(self) -> Dict[str, List[float]]:
        """``{'<name>.lr': [...]}`` for every wrapper."""
        return {f'{name}.lr': w.get_lr()['lr'] for name, w in self.optim_wrappers.items()}

    def get_momentum(self) -> Dict[str, List[float]]:
        return {f'{name}.momentum': w.get_momentum()['momentum']
                for name, w in self.optim_wrappers.items()}

    def state_dict(self) -> Dict[str, Any]:
        return {name: w.state_dict() for name, w in self.optim_wrappers.items()}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        for name, state in state_dict.items():
            if name not in self.optim_wrappers:
                raise KeyError(f'OptimWrapperDict.load_state_dict: unknown wrapper {name!r}; '
                               f'known: {sorted(self.optim_wrappers)}')
            self.optim_wrappers[name].load_state_dict(state)

    def items(self) -> Iterator[Tuple[str, OptimWrapper]]:
        return iter(self.optim_wrappers.items())

    def values(self) -> Iterator[OptimWrapper]:
        return iter(self.optim_wrappers.values())

    def keys(self) -> Iterator[str]:
        return iter(self.optim_wrappers.keys())

    def __getitem__(self, key: str) -> OptimWrapper:
        if key not in self.optim_wrappers:
            raise KeyError(f'OptimWrapperDict has no wrapper {key!r}; '
                           f'known: {sorted(self.optim_wrappers)}')
        return self.optim_wrappers[key]

    def __contains__(self, key: object) -> bool:
        return key in self.optim_wrappers

    def __len__(self) -> int:
        return len(self.optim_wrappers)

    def __repr__(self) -> str:
        body = '\n'.join(f'  {name}: {w!r}' for name, w in self.optim_wrappers.items())
        return f'OptimWrapperDict(\n{body}\n)'


__all__ = ['OptimWrapperDict']
