"""Format the scalars of the message hub into log lines and visualizer tags.

Training line (by epoch)::

    Epoch(train)  [1][ 10/100]  lr: 1.0000e-01  eta: 0:01:00  time: 0.1020  data_time: 0.0100  memory: 120  loss: 2.3026

Values are smoothed over ``window_size`` iterations; ``custom_cfg`` adds other
statistics (``dict(data_src='loss', method_name='max', window_size='global')``).
"""
from __future__ import annotations

import copy
import datetime
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import torch

from mmcls.registry import LOG_PROCESSORS

__all__ = ['LogProcessor']


@LOG_PROCESSORS.register_module()
class LogProcessor:
    """Build log strings and scalar tags for the ``train``, ``val`` and ``test`` modes.

    Args:
        window_size: iterations the default mean is taken over.
        by_epoch: format positions as ``Epoch(mode) [e][i/n]`` (else ``Iter(mode) [i/n]``).
        custom_cfg: extra statistics, each a dict with ``data_src`` (key without
            the ``train/`` prefix), ``method_name`` (mean/min/max/current),
            ``window_size`` (int, ``'epoch'`` or ``'global'``) and ``log_name``.
        num_digits: significant digits of floats in the log line.
        log_with_hierarchy: keep ``train/``/``val/`` prefixes in the tags.
    """

    def __init__(self, window_size: int = 10, by_epoch: bool = True,
                 custom_cfg: Optional[List[dict]] = None, num_digits: int = 4,
                 log_with_hierarchy: bool = False, mean_pattern: str = r'.*(loss|time|data_time|grad_norm).*'):
        self.window_size = window_size
        self.by_epoch = by_epoch
        self.custom_cfg = copy.deepcopy(custom_cfg) if custom_cfg else []
        self.num_digits = num_digits
        self.log_with_hierarchy = log_with_hierarchy
        self.mean_pattern = mean_pattern
        self._check_custom_cfg()

    def _check_custom_cfg(self) -> None:
        log_names = set()
        for cfg in self.custom_cfg:
            if 'data_src' not in cfg or 'method_name' not in cfg:
                raise KeyError(f'each log_processor.custom_cfg item needs data_src and method_name, '
                               f'got {cfg}')
            if cfg['method_name'] not in ('mean', 'min', 'max', 'current'):
                raise ValueError(f'log_processor.custom_cfg method_name must be mean, min, max or '
                                 f'current, got {cfg["method_name"]!r}')
            window = cfg.get('window_size', self.window_size)
            if not (isinstance(window, int) or window in ('epoch', 'global')):
                raise ValueError(f"log_processor.custom_cfg window_size must be an int, 'epoch' "
                                 f"or 'global', got {window!r}")
            name = cfg.get('log_name', cfg['data_src'])
            if name in log_names:
                raise ValueError(f'log_processor.custom_cfg logs {name!r} twice; give one a '
                                 f'distinct log_name')
            log_names.add(name)

    # ------------------------------------------------------------ public
    def get_log_after_iter(self, runner, batch_idx: int, mode: str) -> Tuple[dict, str]:
        """Tag dict (for the visualizer) and text line after iteration ``batch_idx`` of ``mode``."""
        if mode not in ('train', 'val', 'test'):
            raise ValueError(f"mode must be 'train', 'val' or 'test', got {mode!r}")
        current_loop = self._get_cur_loop(runner, mode)
        tag = self._collect_scalars(runner, mode, batch_idx)
        parts = [self._position(runner, batch_idx, mode, current_loop)]
        if mode == 'train':
            lr_keys = [k for k in tag if k == 'lr' or k.endswith('_lr')]
            for key in lr_keys:
                parts.append(f'{key}: {tag[key]:.{self.num_digits}e}')
        eta = runner.message_hub.get_info('eta')
        if eta is not None and (mode == 'train' or 'time' in tag):
            parts.append(f'eta: {datetime.timedelta(seconds=int(eta))}')
        for key in ('time', 'data_time'):
            if key in tag:
                parts.append(f'{key}: {tag[key]:.{self.num_digits}f}')
        if mode == 'train' and torch.cuda.is_available():
            memory = self._get_max_memory(runner)
            tag['memory'] = memory
            parts.append(f'memory: {memory}')
        for key, value in tag.items():
            if key in ('time', 'data_time', 'memory') or key == 'lr' or key.endswith('_lr'):
                continue
            parts.append(f'{key}: {self._fmt(value)}')
        if mode == 'train':
            if self.by_epoch:
                tag['epoch'] = runner.epoch + 1
            tag['iter'] = runner.iter + 1
        tag = self._hierarchy(tag, mode)
        return tag, '  '.join(parts)

    def get_log_after_epoch(self, runner, batch_idx: int, mode: str,
                            with_non_scalar: bool = False) -> Tuple[dict, str]:
        """Metrics of a finished val/test epoch: tag dict and text line."""
        if mode not in ('train', 'val', 'test'):
            raise ValueError(f"mode must be 'train', 'val' or 'test', got {mode!r}")
        current_loop = self._get_cur_loop(runner, mode)
        dataloader_len = len(current_loop.dataloader)
        tag: Dict[str, Any] = OrderedDict()
        prefix = f'{mode}/'
        hub = runner.message_hub
        for key, buf in hub.log_scalars.items():
            if not key.startswith(prefix):
                continue
            name = key[len(prefix):]
            if name in ('time', 'data_time'):
                tag[name] = buf.mean(dataloader_len)
            else:
                tag[name] = buf.current()
        non_scalar = {}
        if with_non_scalar:
            for key, value in (hub.get_info(f'{mode}_metrics_nonscalar') or {}).items():
                non_scalar[key] = value
        if self.by_epoch and mode != 'train':
            position = f'Epoch({mode}) [{dataloader_len}/{dataloader_len}]'
            if mode == 'val' and runner.train_loop_built:
                position = f'Epoch({mode}) [{runner.epoch}][{dataloader_len}/{dataloader_len}]'
        else:
            position = f'Iter({mode}) [{dataloader_len}/{dataloader_len}]'
        metric_parts = [f'{k}: {self._fmt(v)}' for k, v in tag.items()
                        if k not in ('time', 'data_time')]
        metric_parts += [f'{k}: {v}' for k, v in non_scalar.items()]
        time_parts = [f'{k}: {self._fmt(tag[k])}' for k in ('data_time', 'time') if k in tag]
        line = '  '.join([position] + metric_parts + time_parts)
        tag.update(non_scalar)
        return self._hierarchy(tag, mode), line

    # ------------------------------------------------------------ helpers
    def _fmt(self, value: Any) -> str:
        if isinstance(value, float):
            return f'{value:.{self.num_digits}f}'
        return str(value)

    def _hierarchy(self, tag: dict, mode: str) -> dict:
        if not self.log_with_hierarchy:
            return dict(tag)
        return {f'{mode}/{k}': v for k, v in tag.items()}

    def _collect_scalars(self, runner, mode: str, batch_idx: int) -> Dict[str, Any]:
        prefix = f'{mode}/'
        hub = runner.message_hub
        tag: Dict[str, Any] = OrderedDict()
        custom_sources = {cfg['data_src'] for cfg in self.custom_cfg
                          if 'log_name' not in cfg or cfg['log_name'] == cfg['data_src']}
        for key, buf in hub.log_scalars.items():
            if not key.startswith(prefix):
                continue
            name = key[len(prefix):]
            if name in custom_sources:
                continue
            if mode != 'train' and name not in ('time', 'data_time'):
                continue  # metrics of val/test belong to the epoch line only
            if mode == 'train' and (name == 'lr' or name.endswith('_lr')):
                tag[name] = buf.current()
            else:
                tag[name] = buf.mean(self.window_size)
        for cfg in self.custom_cfg:
            key = f'{prefix}{cfg["data_src"]}'
            if key not in hub.log_scalars:
                continue
            window = cfg.get('window_size', self.window_size)
            if window == 'epoch':
                window = batch_idx + 1
            elif window == 'global':
                window = None
            args = () if cfg['method_name'] == 'current' else (window,)
            tag[cfg.get('log_name', cfg['data_src'])] = hub.log_scalars[key].statistics(
                cfg['method_name'], *args)
        return tag

    def _position(self, runner, batch_idx: int, mode: str, loop) -> str:
        if mode == 'train':
            if self.by_epoch:
                total = len(loop.dataloader)
                width = len(str(total))
                return f'Epoch(train) [{runner.epoch + 1}][{batch_idx + 1:>{width}}/{total}]'
            total = runner.max_iters
            width = len(str(total))
            return f'Iter(train) [{runner.iter + 1:>{width}}/{total}]'
        total = len(loop.dataloader)
        width = len(str(total))
        if self.by_epoch and mode == 'val' and runner.train_loop_built:
            return f'Epoch({mode}) [{runner.epoch}][{batch_idx + 1:>{width}}/{total}]'
        if self.by_epoch:
            return f'Epoch({mode}) [{batch_idx + 1:>{width}}/{total}]'
        return f'Iter({mode}) [{batch_idx + 1:>{width}}/{total}]'

    def _get_max_memory(self, runner) -> int:
        device = getattr(runner.model, 'output_device', None)
        memory = torch.cuda.max_memory_allocated(device=device)
        torch.cuda.reset_peak_memory_stats(device=device)
        return int(memory / (1024 * 1024))

    def _get_cur_loop(self, runner, mode: str):
        if mode == 'train':
            return runner.train_loop
        if mode == 'val':
            return runner.val_loop
        return runner.test_loop
