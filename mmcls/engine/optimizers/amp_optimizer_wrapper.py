"""``AmpOptimWrapper``: mixed-precision training (``type='AmpOptimWrapper'``, ``--amp``).

The forward pass runs under ``torch.autocast``; with float16 the loss is
scaled by a ``GradScaler`` so small gradients do not underflow.  bfloat16 has
float32's exponent range and needs no scaler, which is why it is the default
on CPU.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Dict, Iterator, Optional, Union

import torch
from torch import nn
from torch.optim import Optimizer

from mmcls.registry import OPTIM_WRAPPERS

from .optimizer_wrapper import OptimWrapper

_DTYPES = {'float16': torch.float16, 'bfloat16': torch.bfloat16}


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(OptimWrapper):
    """An :class:`OptimWrapper` with autocast and (for float16) loss scaling.

    Args:
        optimizer: the optimizer to drive.
        loss_scale: ``'dynamic'`` (``GradScaler`` defaults), a float (a fixed
            initial scale, kept through updates) or a dict of ``GradScaler``
            arguments (``init_scale``, ``growth_factor``, ...).
        dtype: ``None``, ``'float16'`` or ``'bfloat16'`` (or a torch dtype).
            ``None`` picks bfloat16 where the device supports it (CPU, and CUDA
            devices with bf16 support) and float16 with a ``GradScaler`` on
            CUDA devices without it.
        **kwargs: ``accumulative_counts`` and ``clip_grad`` of
            :class:`OptimWrapper`.
    """

    def __init__(self,
                 optimizer: Optimizer,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Union[None, str, torch.dtype] = None,
                 **kwargs):
        super().__init__(optimizer, **kwargs)
        self.device_type = _params_device_type(optimizer)
        self.cast_dtype = _resolve_dtype(dtype, self.device_type)
        self._scale_update_param: Optional[float] = None
        self.loss_scaler = None
        if self.cast_dtype == torch.float16:
            self.loss_scaler = self._build_scaler(loss_scale)

    def _build_scaler(self, loss_scale: Union[str, float, dict]) -> torch.amp.GradScaler:
        if loss_scale == 'dynamic':
            return torch.amp.GradScaler(self.device_type)
        if isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            return torch.amp.GradScaler(self.device_type, init_scale=float(loss_scale))
        if isinstance(loss_scale, dict):
            return torch.amp.GradScaler(self.device_type, **loss_scale)
        raise TypeError(f"AmpOptimWrapper: loss_scale must be 'dynamic', a float or a dict "
                        f'of GradScaler arguments, got {loss_scale!r}')

    def backward(self, loss: torch.Tensor, **kwargs) -> None:
        """Backpropagate the (scaled, for float16) loss."""
        if self.loss_scaler is not None:
            loss = self.loss_scaler.scale(loss)
        super().backward(loss, **kwargs)

    def step(self, **kwargs) -> None:
        """Unscale, clip, step (skipped on inf/nan with a scaler), update the scale."""
        if self.loss_scaler is None:
            super().step(**kwargs)
            return
        if self.clip_grad_kwargs:
            self.loss_scaler.unscale_(self.optimizer)
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """DDP no-sync handling of :class:`OptimWrapper` plus autocast."""
        with super().optim_context(model):
            with torch.autocast(device_type=self.device_type, dtype=self.cast_dtype):
                yield

    def state_dict(self) -> Dict[str, Any]:
        """Optimizer state plus ``loss_scaler`` (the GradScaler state) when used."""
        state = self.optimizer.state_dict()
        if self.loss_scaler is not None:
            state['loss_scaler'] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        scaler_state = state_dict.pop('loss_scaler', None)
        if scaler_state is not None and self.loss_scaler is not None:
            self.loss_scaler.load_state_dict(scaler_state)
        self.optimizer.load_state_dict(state_dict)


def _params_device_type(optimizer: Optimizer) -> str:
    """Device type of the optimized parameters ('cuda', 'cpu', ...)."""
    for group in optimizer.param_groups:
        for param in group['params']:
            return param.device.type
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def _resolve_dtype(dtype: Union[None, str, torch.dtype], device_type: str) -> torch.dtype:
    if dtype is None:
        if device_type == 'cuda' and not torch.cuda.is_bf16_supported():
            return torch.float16
        return torch.bfloat16
    if isinstance(dtype, torch.dtype):
        if dtype not in _DTYPES.values():
            raise ValueError(f'AmpOptimWrapper: dtype must be float16 or bfloat16, got {dtype}')
        return dtype
    if dtype not in _DTYPES:
        raise ValueError(f'AmpOptimWrapper: dtype must be None, {sorted(_DTYPES)}, got {dtype!r}')
    return _DTYPES[dtype]


__all__ = ['AmpOptimWrapper']
