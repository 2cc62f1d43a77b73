"""``build_param_schedulers``: build the ``param_scheduler`` config for a training run.

Fills what the config leaves to the training length (a scheduler without
``end`` runs to the end of training; ``T_max`` / ``total_steps`` then default
to ``end - begin``) and turns ``convert_to_iter_based=True`` epoch configs
into per-iteration schedulers.
"""
from __future__ import annotations

import copy
from typing import Any, List, Optional, Sequence, Union

from mmcls.registry import PARAM_SCHEDULERS

from .base import _ParamScheduler


def build_param_schedulers(cfgs: Union[dict, Sequence[dict], None],
                           optim_wrapper: Any,
                           epoch_length: Optional[int],
                           max_epochs: Optional[int] = None,
                           max_iters: Optional[int] = None) -> List[_ParamScheduler]:
    """Build every scheduler of ``cfgs`` (a dict or a list of dicts) over ``optim_wrapper``.

    Args:
        cfgs: the ``param_scheduler`` config; ``None`` gives no scheduler.
            Built schedulers in the list are kept as they are.
        optim_wrapper: an ``OptimWrapper`` (or optimizer); for an
            ``OptimWrapperDict`` every config is built for each wrapper and
            the returned flat list holds them all.
        epoch_length: iterations per epoch (``len(train_dataloader)``), needed
            by ``convert_to_iter_based``.
        max_epochs: training length in epochs; default ``end`` of
            epoch-based schedulers.
        max_iters: training length in iterations; default ``end`` of
            iteration-based ones (``max_epochs * epoch_length`` if omitted).
    """
    if cfgs is None:
        return []
    cfg_list = [cfgs] if isinstance(cfgs, (dict, _ParamScheduler)) else list(cfgs)
    if max_iters is None and max_epochs is not None and epoch_length:
        max_iters = max_epochs * epoch_length
    wrappers = list(optim_wrapper.values()) if _is_wrapper_dict(optim_wrapper) else [optim_wrapper]
    schedulers = []
    for wrapper in wrappers:
        for i, cfg in enumerate(cfg_list):
            if isinstance(cfg, _ParamScheduler):
                schedulers.append(cfg)
            elif isinstance(cfg, dict):
                schedulers.append(_build_one(cfg, i, wrapper, epoch_length, max_epochs, max_iters))
            else:
                raise TypeError(f'param_scheduler[{i}] must be a dict with "type", '
                                f'got {type(cfg).__name__}')
    return schedulers


def _build_one(cfg: dict, index: int, optim_wrapper: Any, epoch_length: Optional[int],
               max_epochs: Optional[int], max_iters: Optional[int]) -> _ParamScheduler:
    cfg = copy.deepcopy(dict(cfg))
    if 'type' not in cfg:
        raise KeyError(f'param_scheduler[{index}] needs the key "type", got keys {sorted(cfg)}')
    by_epoch = cfg.get('by_epoch', True)
    default_end = max_epochs if by_epoch else max_iters
    if default_end is not None and cfg.get('end') is None:
        cfg['end'] = default_end
    elif cfg.get('end') is None:
        cfg.pop('end', None)
    convert = cfg.pop('convert_to_iter_based', False)
    if not convert:
        return PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=optim_wrapper))
    if not by_epoch:
        raise ValueError(f'param_scheduler[{index}] ({cfg["type"]}): convert_to_iter_based '
                         'needs by_epoch=True')
    if not epoch_length:
        raise ValueError(f'param_scheduler[{index}] ({cfg["type"]}): convert_to_iter_based '
                         'needs the epoch length (the train dataloader length)')
    scheduler_type = cfg.pop('type')
    cls = PARAM_SCHEDULERS.get(scheduler_type) if isinstance(scheduler_type, str) \
        else scheduler_type
    try:
        return cls.build_iter_from_epoch(optimizer=optim_wrapper, epoch_length=epoch_length,
                                         **cfg)
    except TypeError as e:
        raise TypeError(f'param_scheduler[{index}] ({scheduler_type}): {e}') from e


def _is_wrapper_dict(optim_wrapper: Any) -> bool:
    return not hasattr(optim_wrapper, 'param_groups') and hasattr(optim_wrapper, 'values')


__all__ = ['build_param_schedulers']
