"""``OptimWrapper``: one object that owns backward, clipping, accumulation and step.

Models call ``optim_wrapper.update_params(loss)`` in ``train_step`` and never
touch the optimizer; the wrapper decides when to really step (gradient
accumulation), clips gradients, and tells DDP when to skip gradient sync.
The names and semantics are MMEngine's, so 1.x configs and user code port.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional

import torch
from torch import nn
from torch.optim import Optimizer

from mmcls.registry import OPTIM_WRAPPERS

_CLIP_TYPES = ('norm', 'value')


@OPTIM_WRAPPERS.register_module()
class OptimWrapper:
    """Wrap an optimizer with gradient accumulation and gradient clipping.

    Args:
        optimizer: the ``torch.optim.Optimizer`` to drive.
        accumulative_counts: number of ``update_params`` calls whose gradients
            are summed before one optimizer step (simulates a larger batch).
        clip_grad: ``dict(max_norm=..., norm_type=2)`` clips the global
            gradient norm (``torch.nn.utils.clip_grad_norm_``);
            ``dict(type='value', clip_value=...)`` clips each element.

    The norm returned by the clipping function (or, for value clipping, the
    global 2-norm before clipping) is kept as a tensor, without reading it back
    from the device: :attr:`last_grad_norm` reads it as a float when asked, and
    :meth:`take_grad_norm` hands each new norm once to the runtime-info hook,
    which logs it as ``train/grad_norm``.  A model passed to
    :meth:`optim_context` that has its own ``clip_grad_norm_`` (the FSDP
    wrapper, whose gradients are sharded over the ranks) clips the norm.
    """

    def __init__(self,
                 optimizer: Optimizer,
                 accumulative_counts: int = 1,
                 clip_grad: Optional[dict] = None):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'OptimWrapper: optimizer must be a torch.optim.Optimizer, '
                            f'got {type(optimizer).__name__}')
        if not isinstance(accumulative_counts, int) or accumulative_counts < 1:
            raise ValueError(f'OptimWrapper: accumulative_counts must be a positive int, '
                             f'got {accumulative_counts!r}')
        self.optimizer = optimizer
        self._accumulative_counts = accumulative_counts
        self.clip_grad_kwargs, self._clip_type = _parse_clip_grad(clip_grad)
        self._grad_norm: Optional[torch.Tensor] = None
        self._grad_norm_taken = True
        self._norm_clipper = None
        self._inner_count = 0
        self._max_counts = -1
        self._remainder_counts = -1

    # -- the training step ------------------------------------------------
    def update_params(self,
                      loss: torch.Tensor,
                      step_kwargs: Optional[Dict] = None,
                      zero_kwargs: Optional[Dict] = None) -> None:
        """Scale ``loss`` for accumulation, backprop, and step when due."""
        loss = self.scale_loss(loss)
        self.backward(loss)
        if self.should_update():
            self.step(**(step_kwargs or {}))
            self.zero_grad(**(zero_kwargs or {}))

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        """Backpropagate ``loss`` and count one accumulation step."""
        loss.backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs) -> None:
        """Clip gradients if configured, then step the optimizer."""
        if self.clip_grad_kwargs:
            self._clip_grad()
        self.optimizer.step(**kwargs)

    def zero_grad(self, **kwargs) -> None:
        """Clear the gradients of the wrapped optimizer."""
        self.optimizer.zero_grad(**kwargs)

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Divide ``loss`` by the size of its accumulation group.

        The last group of a run may be shorter than ``accumulative_counts``
        (set by :meth:`initialize_count_status`); its losses are divided by
        the real group size so every step sees a mean gradient.
        """
        if self._accumulative_counts == 1:
            return loss
        if self._max_counts == -1 or self._inner_count < self._max_counts - self._remainder_counts:
            factor = self._accumulative_counts
        else:
            factor = self._remainder_counts
        if factor <= 0:
            raise RuntimeError(f'OptimWrapper: update_params called {self._inner_count + 1} '
                               f'times but max_iters is {self._max_counts}')
        return loss / factor

    # -- accumulation bookkeeping -------------------------------------------
    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """Tell the wrapper where training starts and ends (called by the loop).

        Args:
            model: the trained model (checked for BatchNorm, which does not
                commute with gradient accumulation).
            init_counts: iterations already done (non-zero when resuming).
            max_counts: total training iterations.
        """
        self._inner_count = init_counts
        self._max_counts = max_counts
        if self._accumulative_counts > 1:
            if init_counts % self._accumulative_counts != 0:
                warnings.warn(f'Resumed iteration {init_counts} is not a multiple of '
                              f'accumulative_counts={self._accumulative_counts}; the first '
                              'accumulation group after resuming is shorter')
            if _has_batch_norm(model):
                warnings.warn('Gradient accumulation with BatchNorm layers: BN statistics use '
                              'the small per-iteration batch, which may reduce accuracy')
        self._remainder_counts = max_counts % self._accumulative_counts
        if self._remainder_counts == 0:
            self._remainder_counts = self._accumulative_counts

    def should_update(self) -> bool:
        """Whether the current backward completes an accumulation group."""
        return (self._inner_count % self._accumulative_counts == 0
                or self._inner_count == self._max_counts)

    def should_sync(self) -> bool:
        """Whether the next backward should all-reduce gradients (DDP)."""
        return ((self._inner_count + 1) % self._accumulative_counts == 0
                or (self._inner_count + 1) == self._max_counts)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """Context for the forward pass: skip DDP gradient sync inside a group."""
        self._norm_clipper = getattr(model, 'clip_grad_norm_', None)
        if not self.should_sync() and hasattr(model, 'no_sync'):
            with model.no_sync():
                yield
        else:
            yield

    # -- clipping ---------------------------------------------------------
    def _clip_grad(self) -> None:
        if self._clip_type == 'norm' and self._norm_clipper is not None:
            # collective: every rank calls it, with or without local gradients
            self._keep_grad_norm(self._norm_clipper(**self.clip_grad_kwargs))
            return
        params = [p for group in self.optimizer.param_groups for p in group['params']
                  if p.requires_grad and p.grad is not None]
        if not params:
            return
        if self._clip_type == 'norm':
            norm = nn.utils.clip_grad_norm_(params, **self.clip_grad_kwargs)
        else:
            norm = torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(p.grad.detach()) for p in params]))
            nn.utils.clip_grad_value_(params, **self.clip_grad_kwargs)
        self._keep_grad_norm(norm)

    def _keep_grad_norm(self, norm: Any) -> None:
        self._grad_norm = norm.detach() if isinstance(norm, torch.Tensor) else torch.tensor(
            float(norm))
        self._grad_norm_taken = False

    @property
    def last_grad_norm(self) -> Optional[float]:
        """The gradient norm of the last clipped step (read back from its device now), or
        None before the first."""
        return None if self._grad_norm is None else float(self._grad_norm)

    def take_grad_norm(self) -> Optional[torch.Tensor]:
        """The gradient norm (a tensor, not read back) of a step clipped since the last call,
        or None: each norm is handed out once, so an accumulating iteration logs none."""
        if self._grad_norm_taken:
            return None
        self._grad_norm_taken = True
        return self._grad_norm

    # -- optimizer state and hyper-parameters -------------------------------
    @property
    def param_groups(self) -> List[dict]:
        return self.optimizer.param_groups

    @property
    def defaults(self) -> dict:
        return self.optimizer.defaults

    @property
    def inner_count(self) -> int:
        """Number of ``backward`` calls so far (iterations, when one per step)."""
        return self._inner_count

    @property
    def accumulative_counts(self) -> int:
        return self._accumulative_counts

    def get_lr(self) -> Dict[str, List[float]]:
        """Learning rate of every param group: ``{'lr': [...]}``."""
        return {'lr': [group['lr'] for group in self.param_groups]}

    def get_momentum(self) -> Dict[str, List[float]]:
        """Momentum of every group (``betas[0]`` for Adam-like, 0 if none)."""
        values = []
        for group in self.param_groups:
            if 'momentum' in group:
                values.append(group['momentum'])
            elif 'betas' in group:
                values.append(group['betas'][0])
            else:
                values.append(0)
        return {'momentum': values}

    def state_dict(self) -> Dict[str, Any]:
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state_dict)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(accumulative_counts={self._accumulative_counts}, '
                f'clip_grad={self.clip_grad_kwargs or None},\n  optimizer={self.optimizer})')


def _parse_clip_grad(clip_grad: Optional[dict]):
    """Split ``clip_grad`` into the clipping kwargs and the clipping type."""
    if clip_grad is None:
        return {}, None
    if not isinstance(clip_grad, dict) or not clip_grad:
        raise TypeError(f'OptimWrapper: clip_grad must be a non-empty dict such as '
                        f'dict(max_norm=1.0), got {clip_grad!r}')
    kwargs = dict(clip_grad)
    clip_type = kwargs.pop('type', 'norm')
    if clip_type not in _CLIP_TYPES:
        raise ValueError(f'OptimWrapper: clip_grad.type must be one of {_CLIP_TYPES}, '
                         f'got {clip_type!r}')
    required = 'max_norm' if clip_type == 'norm' else 'clip_value'
    if required not in kwargs:
        raise KeyError(f'OptimWrapper: clip_grad with type={clip_type!r} needs the key '
                       f'{required!r}, got keys {sorted(kwargs)}')
    return kwargs, clip_type


def _has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


__all__ = ['OptimWrapper']
