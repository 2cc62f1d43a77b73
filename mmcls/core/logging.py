"""Loggers for training runs: console on rank 0, an optional text file per run.

``get_logger`` gives the named logger of a run (the latest one created is the
*current* logger, used by :func:`print_log` with ``logger='current'``), so
library code can log without holding a runner.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional, Union

__all__ = ['get_logger', 'get_current_logger', 'print_log', 'LOG_FORMAT', 'MMLogger']

LOG_FORMAT = '%(asctime)s - %(name)s - %(levelname)s - %(message)s'
_DATE_FORMAT = '%Y/%m/%d %H:%M:%S'
_current_name = 'mmcls'
_configured: dict = {}


def _rank() -> int:
    # Read the launcher's environment so logging works before dist is initialised.
    try:
        import torch.distributed as dist
    except ImportError:  # torch is optional for pure logging
        dist = None
    if dist is not None and dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get('RANK', '0'))


class _Stdout:
    """Write to whatever ``sys.stdout`` is now (so a live progress bar can redirect logs)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def get_logger(name: str = 'mmcls',
               log_file: Optional[str] = None,
               log_level: Union[int, str] = 'INFO',
               file_mode: str = 'w') -> logging.Logger:
    """Return the logger ``name``, adding a console handler and a ``log_file`` handler once.

    Only rank 0 prints INFO to the console; other ranks print errors only so a
    multi-process run does not repeat every line.  It becomes the current logger.
    """
    global _current_name
    level = logging.getLevelName(log_level.upper()) if isinstance(log_level, str) else log_level
    if not isinstance(level, int):
        raise ValueError(f'log_level must be a logging level name or int, got {log_level!r}')
    logger = logging.getLogger(name)
    logger.propagate = False
    rank = _rank()
    formatter = logging.Formatter(LOG_FORMAT, datefmt=_DATE_FORMAT)
    handlers = _configured.setdefault(name, {})
    if 'console' not in handlers:
        console = logging.StreamHandler(_Stdout())
        console.setFormatter(formatter)
        logger.addHandler(console)
        handlers['console'] = console
    handlers['console'].setLevel(level if rank == 0 else logging.ERROR)
    if log_file is not None and handlers.get('file_path') != os.path.abspath(log_file) and rank == 0:
        old = handlers.pop('file', None)
        if old is not None:
            logger.removeHandler(old)
            old.close()
        os.makedirs(os.path.dirname(os.path.abspath(log_file)), exist_ok=True)
        file_handler = logging.FileHandler(log_file, mode=file_mode, encoding='utf-8')
        file_handler.setFormatter(formatter)
        logger.addHandler(file_handler)
        handlers['file'] = file_handler
        handlers['file_path'] = os.path.abspath(log_file)
    if 'file' in handlers:
        handlers['file'].setLevel(level)
    logger.setLevel(level)
    _current_name = name
    return logger


def get_current_logger() -> logging.Logger:
    """The logger most recently returned by :func:`get_logger` (``'mmcls'`` at first)."""
    if _current_name not in _configured:
        return get_logger(_current_name)
    return logging.getLogger(_current_name)


def print_log(msg: str,
              logger: Union[logging.Logger, str, None] = None,
              level: int = logging.INFO) -> None:
    """Print ``msg`` through ``logger``.

    ``logger`` may be None (plain ``print``), ``'silent'`` (drop it),
    ``'current'`` (the current run logger), a logger name, or a Logger.
    """
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == 'silent':
        return
    elif logger == 'current':
        get_current_logger().log(level, msg)
    elif isinstance(logger, str):
        logging.getLogger(logger).log(level, msg)
    else:
        raise TypeError(f'logger must be a Logger, "silent", "current", a name or None, '
                        f'got {type(logger).__name__}')


class MMLogger:
    """MMEngine-style access to the run loggers of :func:`get_logger`.

    ``MMLogger.get_instance(name, ...)`` returns (and makes current) the named logger,
    ``MMLogger.get_current_instance()`` the current one; both are plain ``logging.Logger``
    objects, so ``assertLogs`` and handlers work on them. ``_instance_dict`` records the loggers
    handed out under their names; clearing it forgets nothing the loggers themselves hold.
    """

    _instance_dict: dict = {}

    @classmethod
    def get_instance(cls, name: str = 'mmcls', log_file: Optional[str] = None,
                     log_level: Union[int, str] = 'INFO', file_mode: str = 'w',
                     **kwargs) -> logging.Logger:
        logger = get_logger(name, log_file=log_file, log_level=log_level, file_mode=file_mode)
        cls._instance_dict[name] = logger
        return logger

    @classmethod
    def get_current_instance(cls) -> logging.Logger:
        return get_current_logger()

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        return name in cls._instance_dict
