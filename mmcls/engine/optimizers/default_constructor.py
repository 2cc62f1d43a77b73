"""``DefaultOptimWrapperConstructor``: build an optimizer wrapper with per-parameter options.

``paramwise_cfg`` sets learning-rate and weight-decay
multipliers per kind of parameter (bias, normalisation, depth-wise conv,
1-D "flat" parameters) or per name (``custom_keys``, longest key wins).
Every parameter becomes its own param group carrying only the options that
differ from the optimizer defaults.
"""
from __future__ import annotations

import inspect
import warnings
from typing import Any, Dict, List, Optional

from torch import nn

from mmcls.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

from .optimizer_wrapper import OptimWrapper

NORM_LAYERS = tuple(cls for cls in (
    nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm, nn.GroupNorm,
    nn.LayerNorm, getattr(nn, 'RMSNorm', None), nn.LocalResponseNorm) if cls is not None)

_DECAY_KEYS = ('decay_mult', 'bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult',
               'flat_decay_mult')


def is_norm(module: nn.Module) -> bool:
    """Whether ``module`` is a normalisation layer (its parameters get ``norm_decay_mult``)."""
    return isinstance(module, NORM_LAYERS)


def is_depthwise_conv(module: nn.Module) -> bool:
    return isinstance(module, nn.Conv2d) and module.in_channels == module.groups


def sorted_custom_keys(custom_keys: Dict[str, dict]) -> List[str]:
    """Keys in match order: longest first, ties alphabetically."""
    return sorted(sorted(custom_keys), key=len, reverse=True)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DefaultOptimWrapperConstructor:
    """Build ``OptimWrapper(optimizer=OPTIMIZERS.build(...))`` for a model.

    Args:
        optim_wrapper_cfg: the ``optim_wrapper`` config without ``constructor``
            and ``paramwise_cfg``; must contain ``optimizer``. Its ``type``
            defaults to ``'OptimWrapper'``.
        paramwise_cfg: optional per-parameter options:

            - ``lr_mult`` / ``decay_mult``: multipliers for every parameter
              that no custom key matches (combined with the ones below);
            - ``bias_lr_mult`` / ``bias_decay_mult``: parameters named
              ``bias`` (not those of normalisation layers or DCN offsets);
            - ``dcn_offset_lr_mult``: the ``Conv2d`` under a ``conv_offset``
              name (the offset branch of a deformable convolution);
            - ``norm_decay_mult``: weight and bias of normalisation layers;
            - ``dwconv_decay_mult``: depth-wise ``Conv2d`` parameters;
            - ``flat_decay_mult``: other 1-D parameters (e.g. ``cls_token``
              rows, layer-scale vectors);
            - ``bypass_duplicate``: skip a parameter shared by two modules
              instead of failing in the optimizer;
            - ``custom_keys``: ``{substring: dict(lr_mult=, decay_mult=, ...)}``;
              the longest key contained in the parameter's full name wins and
              the rules above are ignored for it; other keys of the dict
              (e.g. ``momentum``) are copied into the param group.

    Weight-decay multipliers need ``optimizer.weight_decay`` to be set.
    Unknown ``paramwise_cfg`` keys raise ``KeyError`` (typos would otherwise be
    silently ignored); a subclass that reads more keys extends ``paramwise_keys``.
    """

    #: ``paramwise_cfg`` keys this constructor understands; others are typos.
    paramwise_keys = ('lr_mult', 'decay_mult', 'bias_lr_mult', 'bias_decay_mult',
                      'norm_decay_mult', 'dwconv_decay_mult', 'flat_decay_mult',
                      'dcn_offset_lr_mult', 'bypass_duplicate', 'custom_keys')

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        if not isinstance(optim_wrapper_cfg, dict):
            raise TypeError(f'optim_wrapper must be a dict, got {type(optim_wrapper_cfg).__name__}')
        if 'optimizer' not in optim_wrapper_cfg:
            raise KeyError(f'optim_wrapper needs the key "optimizer", got keys '
                           f'{sorted(optim_wrapper_cfg)}')
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.optimizer_cfg = dict(self.optim_wrapper_cfg.pop('optimizer'))
        self.paramwise_cfg = {} if paramwise_cfg is None else paramwise_cfg
        self.base_lr = self.optimizer_cfg.get('lr')
        self.base_wd = self.optimizer_cfg.get('weight_decay')
        self._validate()

    def _validate(self) -> None:
        if not isinstance(self.paramwise_cfg, dict):
            raise TypeError(f'optim_wrapper.paramwise_cfg must be a dict, '
                            f'got {type(self.paramwise_cfg).__name__}')
        unknown = sorted(set(self.paramwise_cfg) - set(self.paramwise_keys))
        if unknown:
            raise KeyError(f'optim_wrapper.paramwise_cfg has unknown keys {unknown} for '
                           f'{type(self).__name__}; known: {sorted(self.paramwise_keys)}')
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        if not isinstance(custom_keys, dict):
            raise TypeError(f'optim_wrapper.paramwise_cfg.custom_keys must be a dict, '
                            f'got {type(custom_keys).__name__}')
        for key, value in custom_keys.items():
            if not isinstance(value, dict):
                raise TypeError(f'optim_wrapper.paramwise_cfg.custom_keys[{key!r}] must be a '
                                f'dict such as dict(lr_mult=0.1), got {value!r}')
            if 'decay_mult' in value and self.base_wd is None:
                raise ValueError(f'optim_wrapper.paramwise_cfg.custom_keys[{key!r}] sets '
                                 'decay_mult but optim_wrapper.optimizer has no weight_decay')
            if 'lr_mult' in value and self.base_lr is None:
                raise ValueError(f'optim_wrapper.paramwise_cfg.custom_keys[{key!r}] sets '
                                 'lr_mult but optim_wrapper.optimizer has no lr')
        for key in _DECAY_KEYS:
            if key in self.paramwise_cfg and self.base_wd is None:
                raise ValueError(f'optim_wrapper.paramwise_cfg.{key} needs '
                                 'optim_wrapper.optimizer.weight_decay to be set')
        for key in ('lr_mult', 'bias_lr_mult', 'dcn_offset_lr_mult'):
            if key in self.paramwise_cfg and self.base_lr is None:
                raise ValueError(f'optim_wrapper.paramwise_cfg.{key} needs '
                                 'optim_wrapper.optimizer.lr to be set')

    # -- building ---------------------------------------------------------
    def __call__(self, model: nn.Module) -> OptimWrapper:
        """Build the optimizer over ``model``'s parameters and wrap it."""
        model = getattr(model, 'module', model)  # unwrap DDP
        optimizer_cfg = dict(self.optimizer_cfg)
        first_arg = _first_arg_name(optimizer_cfg['type'])
        if self.paramwise_cfg:
            params: List[dict] = []
            self.add_params(params, model)
            optimizer_cfg[first_arg] = params
        else:
            optimizer_cfg[first_arg] = model.parameters()
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg.setdefault('type', 'OptimWrapper')
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args=dict(optimizer=optimizer))

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '') -> None:
        """Append one param group per parameter of ``module`` (recursively) to ``params``."""
        for name, param in module.named_parameters(recurse=False):
            full_name = f'{prefix}.{name}' if prefix else name
            if self.paramwise_cfg.get('bypass_duplicate', False) and _contains(params, param):
                warnings.warn(f'{full_name} is shared with an earlier module; skipped since '
                              'paramwise_cfg.bypass_duplicate=True')
                continue
            group: Dict[str, Any] = {'params': [param]}
            if param.requires_grad:
                group.update(self.param_options(full_name, name, param, module))
            params.append(group)
        for child_name, child in module.named_children():
            self.add_params(params, child, f'{prefix}.{child_name}' if prefix else child_name)

    def param_options(self, full_name: str, name: str, param: nn.Parameter,
                      module: nn.Module) -> Dict[str, Any]:
        """The ``lr``/``weight_decay``/... a parameter's group overrides."""
        custom_keys = self.paramwise_cfg.get('custom_keys', {})
        for key in sorted_custom_keys(custom_keys):
            if key in full_name:
                return self._custom_options(custom_keys[key])
        return self._rule_options(full_name, name, param, module)

    def _custom_options(self, custom: dict) -> Dict[str, Any]:
        options = {k: v for k, v in custom.items() if k not in ('lr_mult', 'decay_mult')}
        if self.base_lr is not None:
            options['lr'] = self.base_lr * custom.get('lr_mult', 1.)
        if self.base_wd is not None:
            options['weight_decay'] = self.base_wd * custom.get('decay_mult', 1.)
        return options

    def _rule_options(self, full_name: str, name: str, param: nn.Parameter,
                      module: nn.Module) -> Dict[str, Any]:
        cfg = self.paramwise_cfg
        norm = is_norm(module)
        # the offset convolution of a deformable conv (a Conv2d under ``conv_offset``)
        dcn_offset = isinstance(module, nn.Conv2d) and 'conv_offset' in full_name
        is_bias = name == 'bias' and not norm and not dcn_offset
        options: Dict[str, Any] = {}
        lr_mult = cfg.get('lr_mult', 1.)
        if is_bias and cfg.get('bias_lr_mult') is not None:
            lr_mult *= cfg['bias_lr_mult']
        if dcn_offset and cfg.get('dcn_offset_lr_mult') is not None:
            lr_mult *= cfg['dcn_offset_lr_mult']
        if lr_mult != 1. and self.base_lr is not None:
            options['lr'] = self.base_lr * lr_mult
        if self.base_wd is None:
            return options
        decay_mult = cfg.get('decay_mult', 1.)
        if norm and cfg.get('norm_decay_mult') is not None:
            decay_mult *= cfg['norm_decay_mult']
        elif is_bias and cfg.get('bias_decay_mult') is not None:
            decay_mult *= cfg['bias_decay_mult']
        elif is_depthwise_conv(module) and cfg.get('dwconv_decay_mult') is not None:
            decay_mult *= cfg['dwconv_decay_mult']
        elif param.ndim == 1 and cfg.get('flat_decay_mult') is not None:
            decay_mult *= cfg['flat_decay_mult']
        if decay_mult != 1.:
            options['weight_decay'] = self.base_wd * decay_mult
        return options


def _contains(groups: List[dict], param: nn.Parameter) -> bool:
    return any(p is param for group in groups for p in group['params'])


def _first_arg_name(optimizer_type: Any) -> str:
    """Name of the optimizer's first argument (``params`` for torch optimizers)."""
    cls = OPTIMIZERS.get(optimizer_type) if isinstance(optimizer_type, str) else optimizer_type
    try:
        return next(iter(inspect.signature(cls).parameters))
    except (StopIteration, TypeError, ValueError):
        return 'params'


__all__ = ['DefaultOptimWrapperConstructor', 'is_norm', 'is_depthwise_conv',
           'sorted_custom_keys', 'NORM_LAYERS']
