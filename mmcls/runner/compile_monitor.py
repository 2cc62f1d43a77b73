"""``torch.compile`` support of the Runner: option checks and recompile counting.

A compiled forward is recompiled whenever one of its guards fails (a new input
shape, dtype, a Python attribute the graph depends on ...).  Each recompile
costs seconds and silently slows training down, so the Runner counts them and
logs the count (with the guard-failure reasons) once, at the end of training.
"""
from __future__ import annotations

from typing import Any, Dict, List, Set, Union

import torch

from mmcls.engine.hooks.hook import Hook

__all__ = ['COMPILE_KEYS', 'compile_kwargs', 'RecompileCounter', 'RecompileLogHook']

#: the ``torch.compile`` arguments a ``compile=dict(...)`` config may set
COMPILE_KEYS = ('mode', 'dynamic', 'fullgraph', 'backend', 'options', 'disable')


def compile_kwargs(compile_cfg: Union[bool, Dict[str, Any]]) -> Dict[str, Any]:
    """``torch.compile`` keyword arguments of ``compile=True`` or ``compile=dict(...)``.

    Raises a clear error when this torch has no ``torch.compile`` (or Dynamo does
    not support this Python) and for keys ``torch.compile`` does not take.
    """
    if not hasattr(torch, 'compile'):
        raise RuntimeError(f'compile: torch.compile needs torch >= 2.0, this is torch '
                           f'{torch.__version__}; set compile=False')
    import torch._dynamo as dynamo
    if not dynamo.is_dynamo_supported():
        raise RuntimeError(f'compile: torch.compile (Dynamo) does not support this Python '
                           f'build with torch {torch.__version__}; set compile=False')
    if compile_cfg is True:
        return {}
    if not isinstance(compile_cfg, dict):
        raise TypeError(f'compile must be a bool or a dict of torch.compile arguments, '
                        f'got {type(compile_cfg).__name__}')
    unknown = sorted(set(compile_cfg) - set(COMPILE_KEYS))
    if unknown:
        raise KeyError(f'compile: unknown key(s) {unknown}; torch.compile takes {COMPILE_KEYS}')
    return dict(compile_cfg)


class RecompileCounter:
    """Counts Dynamo recompiles (compiles caused by a guard failure) since its creation.

    Dynamo records every frame compilation in a bounded list of metrics (the
    last 64); a recompile is an entry with a ``recompile_reason``.  ``poll``
    reads the entries not seen yet, so calling it once per iteration keeps the
    count exact however long the run is.
    """

    def __init__(self):
        self._seen: Set[str] = {str(m.compile_id) for m in self._metrics()}
        self.count = 0
        self.reasons: List[str] = []

    @staticmethod
    def _metrics() -> list:
        from torch._dynamo.utils import get_compilation_metrics
        return get_compilation_metrics()

    def poll(self) -> int:
        """Read new compilations; return the recompile count so far."""
        for metric in self._metrics():
            key = str(metric.compile_id)
            if key in self._seen:
                continue
            self._seen.add(key)
            reason = getattr(metric, 'recompile_reason', None)
            if reason:
                self.count += 1
                self.reasons.append(f'{metric.co_name}: {reason}')
        return self.count


class RecompileLogHook(Hook):
    """Polls a :class:`RecompileCounter` after each train iteration and logs the total once.

    The count is also kept in the message hub as ``compile/recompiles`` (updated
    when it changes), so loggers and tests can read it.
    """
    priority = 'VERY_LOW'

    def __init__(self):
        self.counter = RecompileCounter()
        self._last = 0

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None,
                         outputs: Any = None) -> None:
        count = self.counter.poll()
        if count != self._last:
            self._last = count
            runner.message_hub.update_info('compile/recompiles', count)

    def after_train(self, runner) -> None:
        count = self.counter.poll()
        runner.message_hub.update_info('compile/recompiles', count)
        message = f'torch.compile: {count} recompile(s) during training'
        if count:
            shown = '\n    '.join(self.counter.reasons[:10])
            more = f'\n    ... and {count - 10} more' if count > 10 else ''
            runner.logger.warning(f'{message}; each costs a new compilation. Guard failures:'
                                  f'\n    {shown}{more}')
        else:
            runner.logger.info(message)
