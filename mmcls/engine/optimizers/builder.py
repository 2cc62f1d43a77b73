"""``build_optim_wrapper``: turn the ``optim_wrapper`` config into a wrapper for a model.

The config names a constructor (``constructor``, default
``'DefaultOptimWrapperConstructor'``; a name or ``dict(type=..., **args)``) that receives the rest of the config and the
``paramwise_cfg`` and builds the optimizer over the model's parameters.
"""
from __future__ import annotations

import copy
from typing import Union

from torch import nn
from torch.optim import Optimizer

from mmcls.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS

from .optimizer_wrapper import OptimWrapper
from .optimizer_wrapper_dict import OptimWrapperDict


def build_optim_wrapper(model: nn.Module, cfg: Union[dict, OptimWrapper, OptimWrapperDict]
                        ) -> Union[OptimWrapper, OptimWrapperDict]:
    """Build the optimizer wrapper of ``model`` from the ``optim_wrapper`` config.

    ``cfg`` may be:

    - a config with ``optimizer`` (and optional ``type``, ``constructor``,
      ``paramwise_cfg``, ``clip_grad``, ``accumulative_counts``, ...);
    - a config whose ``optimizer`` is an already built ``torch.optim.Optimizer``;
    - a dict ``{name: optim_wrapper config}`` without ``optimizer``: each
      entry is built over the sub-module ``model.<name>`` and the result is
      an :class:`OptimWrapperDict`;
    - an already built wrapper, returned as is.
    """
    if isinstance(cfg, (OptimWrapper, OptimWrapperDict)):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'optim_wrapper must be a dict, got {type(cfg).__name__}')
    if 'optimizer' not in cfg and 'constructor' not in cfg:
        return _build_wrapper_dict(model, cfg)
    if isinstance(cfg.get('optimizer'), Optimizer):
        wrapper_cfg = {k: v for k, v in cfg.items() if k not in ('constructor', 'paramwise_cfg')}
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(wrapper_cfg)
    wrapper_cfg = copy.deepcopy(dict(cfg))
    constructor = wrapper_cfg.pop('constructor', 'DefaultOptimWrapperConstructor')
    paramwise_cfg = wrapper_cfg.pop('paramwise_cfg', None)
    constructor_cfg = dict(constructor) if isinstance(constructor, dict) else dict(type=constructor)
    constructor_cfg.update(optim_wrapper_cfg=wrapper_cfg, paramwise_cfg=paramwise_cfg)
    return OPTIM_WRAPPER_CONSTRUCTORS.build(constructor_cfg)(model)


def _build_wrapper_dict(model: nn.Module, cfg: dict) -> OptimWrapperDict:
    model = getattr(model, 'module', model)
    wrappers = {}
    for name, sub_cfg in cfg.items():
        if not isinstance(sub_cfg, dict) or 'optimizer' not in sub_cfg:
            raise KeyError(f'optim_wrapper needs the key "optimizer" (or, for several '
                           f'optimizers, one optim_wrapper config per sub-module); '
                           f'optim_wrapper.{name} is {sub_cfg!r}')
        if not hasattr(model, name):
            raise KeyError(f'optim_wrapper.{name}: the model has no sub-module {name!r}')
        wrappers[name] = build_optim_wrapper(getattr(model, name), sub_cfg)
    return OptimWrapperDict(**wrappers)


__all__ = ['build_optim_wrapper']
