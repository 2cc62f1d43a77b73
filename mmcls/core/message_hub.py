"""Run-wide store of logged scalars (with window statistics) and runtime info.

Hooks write ``train/loss``, ``train/time``... here every iteration; the log
processor reads window means from it.  Its state is saved in checkpoints so a
resumed run continues the same curves.  Tensor values (losses, gradient norms) are
kept as tensors until a statistic is read, then copied back all at once: logging
them costs no device synchronisation per iteration.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch

__all__ = ['HistoryBuffer', 'MessageHub']


class HistoryBuffer:
    """The last ``max_length`` values (and counts) of one scalar.

    ``mean(window)`` is the count-weighted mean of the last ``window`` updates,
    like MMEngine's buffer (a value logged with ``count=n`` stands for n samples).
    A one-element tensor is stored as is (a snapshot) and read back, with the
    others pending, when the buffer is next read or holds ``MAX_PENDING`` of them.
    """
    MAX_PENDING = 1000

    def __init__(self, log_history: Sequence = (), count_history: Sequence = (),
                 max_length: int = 1000000):
        self.max_length = max_length
        self._log = list(log_history)[-max_length:]
        self._count = list(count_history)[-max_length:]
        if len(self._log) != len(self._count):
            raise ValueError('log_history and count_history must have the same length')
        self._pending: List[Union[float, torch.Tensor]] = []
        self._pending_count: List[int] = []

    def update(self, value: Union[int, float, torch.Tensor], count: int = 1) -> None:
        if isinstance(value, torch.Tensor):
            value = value.detach().reshape(()).clone()
        elif not self._pending:
            self._append(float(value), int(count))
            return
        else:
            value = float(value)  # waits behind the pending tensors, keeping the order
        self._pending.append(value)
        self._pending_count.append(int(count))
        if len(self._pending) >= self.MAX_PENDING:
            self._settle()

    def _append(self, value: float, count: int) -> None:
        self._log.append(value)
        self._count.append(count)
        if len(self._log) > self.max_length:
            del self._log[0], self._count[0]

    def _settle(self) -> None:
        """Read the pending tensors back (one transfer per device) into the history."""
        if not self._pending:
            return
        pending, counts = self._pending, self._pending_count
        self._pending, self._pending_count = [], []
        tensors = [v for v in pending if isinstance(v, torch.Tensor)]
        if len({t.device for t in tensors}) == 1:
            read = iter(torch.stack([t.double() for t in tensors]).tolist())
        else:
            read = iter([t.item() for t in tensors])
        for value, count in zip(pending, counts):
            self._append(float(next(read)) if isinstance(value, torch.Tensor) else value, count)

    @property
    def data(self):
        self._settle()
        return np.asarray(self._log), np.asarray(self._count)

    def _window(self, window_size: Optional[int]):
        self._settle()
        if window_size is None:
            return self._log, self._count
        if window_size <= 0:
            raise ValueError(f'window_size must be positive, got {window_size}')
        return self._log[-window_size:], self._count[-window_size:]

    def mean(self, window_size: Optional[int] = None) -> float:
        logs, counts = self._window(window_size)
        total = sum(counts)
        return sum(logs) / total if total else 0.0

    def max(self, window_size: Optional[int] = None) -> float:
        logs, _ = self._window(window_size)
        return max(logs) if logs else 0.0

    def min(self, window_size: Optional[int] = None) -> float:
        logs, _ = self._window(window_size)
        return min(logs) if logs else 0.0

    def current(self) -> float:
        self._settle()
        if not self._log:
            raise ValueError('the history buffer is empty')
        return self._log[-1]

    def statistics(self, method_name: str, *args) -> float:
        if method_name not in ('mean', 'max', 'min', 'current'):
            raise KeyError(f'unknown statistics method {method_name!r}; '
                           f'use mean, max, min or current')
        return getattr(self, method_name)(*args)

    def __len__(self) -> int:
        return min(len(self._log) + len(self._pending), self.max_length)

    def state_dict(self) -> dict:
        self._settle()
        return dict(log=list(self._log), count=list(self._count), max_length=self.max_length)

    @classmethod
    def from_state_dict(cls, state: dict) -> 'HistoryBuffer':
        return cls(state['log'], state['count'], state.get('max_length', 1000000))


class MessageHub:
    """Named hub of scalar histories (``log_scalars``) and runtime info (``runtime_info``).

    ``MessageHub.get_instance(name)`` returns (creating) the hub of that name and
    makes it current; ``get_current_instance()`` is what hooks and the log
    processor use.
    """
    _instances: Dict[str, 'MessageHub'] = OrderedDict()
    _current: Optional[str] = None

    def __init__(self, name: str = 'mmcls'):
        self.instance_name = name
        self._log_scalars: Dict[str, HistoryBuffer] = OrderedDict()
        self._runtime_info: Dict[str, Any] = OrderedDict()
        self._resumed_keys: Dict[str, bool] = OrderedDict()
        MessageHub._instances[name] = self
        MessageHub._current = name

    @classmethod
    def get_instance(cls, name: str = 'mmcls') -> 'MessageHub':
        hub = cls._instances.get(name)
        if hub is None:
            hub = cls(name)
        cls._current = name
        return hub

    @classmethod
    def get_current_instance(cls) -> 'MessageHub':
        if cls._current is None:
            return cls.get_instance('mmcls')
        return cls._instances[cls._current]

    @property
    def log_scalars(self) -> Dict[str, HistoryBuffer]:
        return self._log_scalars

    @property
    def runtime_info(self) -> Dict[str, Any]:
        return self._runtime_info

    def update_scalar(self, key: str, value: Any, count: int = 1, resumed: bool = True) -> None:
        """Append ``value`` (a number or a one-element tensor/array) to the history ``key``;
        a tensor is read back only when the history is read."""
        value = _scalar(value, key)
        self._log_scalars.setdefault(key, HistoryBuffer()).update(value, count)
        self._resumed_keys[key] = resumed

    def update_scalars(self, log_dict: Dict[str, Any], resumed: bool = True) -> None:
        for key, value in log_dict.items():
            if isinstance(value, dict):
                self.update_scalar(key, value['value'], value.get('count', 1), resumed)
            else:
                self.update_scalar(key, value, 1, resumed)

    def get_scalar(self, key: str) -> HistoryBuffer:
        if key not in self._log_scalars:
            raise KeyError(f'{key!r} is not in the message hub; logged keys: '
                           f'{sorted(self._log_scalars)}')
        return self._log_scalars[key]

    def update_info(self, key: str, value: Any, resumed: bool = True) -> None:
        self._runtime_info[key] = value
        self._resumed_keys[key] = resumed

    def update_info_dict(self, info: Dict[str, Any], resumed: bool = True) -> None:
        for key, value in info.items():
            self.update_info(key, value, resumed)

    def get_info(self, key: str, default: Any = None) -> Any:
        return self._runtime_info.get(key, default)

    def pop_info(self, key: str, default: Any = None) -> Any:
        return self._runtime_info.pop(key, default)

    def state_dict(self) -> dict:
        """Plain-type state of the resumable scalars and info (checkpoint ``message_hub``)."""
        scalars = {k: v.state_dict() for k, v in self._log_scalars.items()
                   if self._resumed_keys.get(k, True)}
        info = {k: v for k, v in self._runtime_info.items()
                if self._resumed_keys.get(k, True) and _is_plain(v)}
        return dict(log_scalars=scalars, runtime_info=info,
                    resumed_keys=dict(self._resumed_keys))

    def load_state_dict(self, state: dict) -> None:
        for key, buf in state.get('log_scalars', {}).items():
            self._log_scalars[key] = (buf if isinstance(buf, HistoryBuffer)
                                      else HistoryBuffer.from_state_dict(buf))
        self._runtime_info.update(state.get('runtime_info', {}))
        self._resumed_keys.update(state.get('resumed_keys', {}))


def _scalar(value: Any, key: str) -> Union[float, torch.Tensor]:
    """``value`` as a float, or as is for a one-element tensor (read back later)."""
    if hasattr(value, 'numel'):
        if value.numel() != 1:
            raise ValueError(f'scalar {key!r} must have one element, got shape {tuple(value.shape)}')
        return value if isinstance(value, torch.Tensor) else float(value.item())
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f'scalar {key!r} must have one element, got shape {value.shape}')
        return float(value.reshape(-1)[0])
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f'scalar {key!r} must be a number or one-element tensor, '
                        f'got {type(value).__name__}') from None


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False
