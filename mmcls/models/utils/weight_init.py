"""Weight initialisation: functions, and initializers configured by ``init_cfg`` dicts.

``init_cfg=dict(type='Kaiming', layer='Conv2d')`` initialises every ``Conv2d`` below the module;
``override=dict(name='fc', type='Normal', std=0.01)`` gives one named child its own rule;
``dict(type='Pretrained', checkpoint=..., prefix='backbone.')`` loads weights.
"""
import math
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import WEIGHT_INITIALIZERS


# -- functional initialisers ------------------------------------------------------------
def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    if getattr(module, 'weight', None) is not None:
        nn.init.constant_(module.weight, val)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def xavier_init(module: nn.Module, gain: float = 1, bias: float = 0,
                distribution: str = 'normal') -> None:
    _check_distribution(distribution)
    if getattr(module, 'weight', None) is not None:
        if distribution == 'uniform':
            nn.init.xavier_uniform_(module.weight, gain=gain)
        else:
            nn.init.xavier_normal_(module.weight, gain=gain)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    if getattr(module, 'weight', None) is not None:
        nn.init.normal_(module.weight, mean, std)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def trunc_normal_(tensor: torch.Tensor, mean: float = 0., std: float = 1., a: float = -2.,
                  b: float = 2.) -> torch.Tensor:
    """Fill ``tensor`` from N(mean, std) truncated to [a, b] (absolute bounds)."""
    return nn.init.trunc_normal_(tensor, mean=mean, std=std, a=a, b=b)


def trunc_normal_init(module: nn.Module, mean: float = 0, std: float = 1, a: float = -2,
                      b: float = 2, bias: float = 0) -> None:
    if getattr(module, 'weight', None) is not None:
        trunc_normal_(module.weight, mean, std, a, b)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    if getattr(module, 'weight', None) is not None:
        nn.init.uniform_(module.weight, a, b)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def kaiming_init(module: nn.Module, a: float = 0, mode: str = 'fan_out',
                 nonlinearity: str = 'relu', bias: float = 0,
                 distribution: str = 'normal') -> None:
    _check_distribution(distribution)
    if getattr(module, 'weight', None) is not None:
        if distribution == 'uniform':
            nn.init.kaiming_uniform_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
        else:
            nn.init.kaiming_normal_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    if getattr(module, 'bias', None) is not None:
        nn.init.constant_(module.bias, bias)


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    kaiming_init(module, a=1, mode='fan_in', nonlinearity='leaky_relu', bias=bias,
                 distribution='uniform')


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias that makes a sigmoid output ``prior_prob`` at initialisation."""
    return float(-math.log((1 - prior_prob) / prior_prob))


def _check_distribution(distribution: str) -> None:
    if distribution not in ('uniform', 'normal'):
        raise ValueError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")


# -- configurable initializers -----------------------------------------------------------
class BaseInit:
    """Apply an init function to the sub-modules whose class (or a base class) is in ``layer``."""

    def __init__(self, *, bias: float = 0, bias_prob: Optional[float] = None,
                 layer: Union[str, Sequence[str], None] = None) -> None:
        if bias_prob is not None:
            bias = bias_init_with_prob(bias_prob)
        if isinstance(layer, str):
            layer = [layer]
        self.bias = bias
        self.layer = list(layer) if layer is not None else []

    def matches(self, module: nn.Module) -> bool:
        if not self.layer:
            return False
        names = {cls.__name__ for cls in type(module).__mro__}
        return any(name in names for name in self.layer)

    def init_module(self, module: nn.Module) -> None:
        raise TypeError(f'{type(self).__name__} must define init_module')

    def __call__(self, module: nn.Module, wholemodule: bool = False) -> None:
        """Initialise matching sub-modules, or every sub-module when ``wholemodule``."""
        for m in module.modules():
            if wholemodule or self.matches(m):
                self.init_module(m)


@WEIGHT_INITIALIZERS.register_module(name='Constant')
class ConstantInit(BaseInit):

    def __init__(self, val: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.val = val

    def init_module(self, m: nn.Module) -> None:
        constant_init(m, self.val, self.bias)


@WEIGHT_INITIALIZERS.register_module(name='Xavier')
class XavierInit(BaseInit):

    def __init__(self, gain: float = 1, distribution: str = 'normal', **kwargs) -> None:
        super().__init__(**kwargs)
        self.gain, self.distribution = gain, distribution

    def init_module(self, m: nn.Module) -> None:
        xavier_init(m, self.gain, self.bias, self.distribution)


@WEIGHT_INITIALIZERS.register_module(name='Normal')
class NormalInit(BaseInit):

    def __init__(self, mean: float = 0, std: float = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mean, self.std = mean, std

    def init_module(self, m: nn.Module) -> None:
        normal_init(m, self.mean, self.std, self.bias)


@WEIGHT_INITIALIZERS.register_module(name='TruncNormal')
class TruncNormalInit(BaseInit):

    def __init__(self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.mean, self.std, self.a, self.b = mean, std, a, b

    def init_module(self, m: nn.Module) -> None:
        trunc_normal_init(m, self.mean, self.std, self.a, self.b, self.bias)


@WEIGHT_INITIALIZERS.register_module(name='Uniform')
class UniformInit(BaseInit):

    def __init__(self, a: float = 0, b: float = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.a, self.b = a, b

    def init_module(self, m: nn.Module) -> None:
        uniform_init(m, self.a, self.b, self.bias)


@WEIGHT_INITIALIZERS.register_module(name='Kaiming')
class KaimingInit(BaseInit):

    def __init__(self, a: float = 0, mode: str = 'fan_out', nonlinearity: str = 'relu',
                 distribution: str = 'normal', **kwargs) -> None:
        super().__init__(**kwargs)
        self.a, self.mode, self.nonlinearity, self.distribution = a, mode, nonlinearity, distribution

    def init_module(self, m: nn.Module) -> None:
        kaiming_init(m, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)


@WEIGHT_INITIALIZERS.register_module(name='Caffe2Xavier')
class Caffe2XavierInit(KaimingInit):

    def __init__(self, **kwargs) -> None:
        super().__init__(a=1, mode='fan_in', nonlinearity='leaky_relu', distribution='uniform',
                         **kwargs)


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class PretrainedInit:
    """Load weights from ``checkpoint`` (a path or URL, resolved by
    :func:`mmcls.core.weights.resolve_weights` with ``url_mapping``); with
    ``prefix`` only the keys under it, prefix removed."""

    def __init__(self, checkpoint: str, prefix: Optional[str] = None,
                 map_location: str = 'cpu', url_mapping: Optional[dict] = None) -> None:
        self.checkpoint, self.prefix, self.map_location = checkpoint, prefix, map_location
        self.url_mapping = url_mapping

    def __call__(self, module: nn.Module, wholemodule: bool = False) -> None:
        from mmcls.core.checkpoint import load_checkpoint
        from mmcls.core.weights import resolve_weights
        path = resolve_weights(self.checkpoint, url_mapping=self.url_mapping)
        load_checkpoint(module, path, map_location=self.map_location, strict=False,
                        prefix=self.prefix)


def has_pretrained_init(init_cfg) -> bool:
    """True when ``init_cfg`` (a dict or a list of them) loads a ``Pretrained`` checkpoint."""
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    return any(isinstance(c, dict) and c.get('type') == 'Pretrained' for c in cfgs)


def initialize(module: nn.Module, init_cfg: Union[dict, List[dict]]) -> None:
    """Initialise ``module`` with one init config or a list of them.

    As in MMEngine: a config applies to the sub-modules whose class is in its ``layer``; its
    ``override`` entries apply (with the parent's arguments unless they give a ``type``) to the
    whole named child.
    """
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    for cfg in cfgs:
        if not isinstance(cfg, dict):
            raise TypeError(f'init_cfg must be a dict or a list of dicts, got {cfg!r}')
        cfg = dict(cfg)
        override = cfg.pop('override', None)
        WEIGHT_INITIALIZERS.build(cfg)(module)
        cfg.pop('layer', None)
        for ov in _as_list(override):
            _apply_override(module, ov, cfg)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _apply_override(module: nn.Module, override: dict, parent_cfg: dict) -> None:
    override = dict(override)
    name = override.pop('name', None)
    if name is None:
        raise KeyError(f'override {override!r} of init_cfg must name the child module with "name"')
    child = module
    for part in name.split('.'):
        if not hasattr(child, part):
            raise KeyError(f'init_cfg override names {name!r}, which is not a sub-module of '
                           f'{type(module).__name__}')
        child = getattr(child, part)
    cfg = override if 'type' in override else {**parent_cfg, **override}
    cfg.pop('layer', None)
    WEIGHT_INITIALIZERS.build(cfg)(child, wholemodule=True)


__all__ = [
    'constant_init', 'xavier_init', 'normal_init', 'trunc_normal_', 'trunc_normal_init',
    'uniform_init', 'kaiming_init', 'caffe2_xavier_init', 'bias_init_with_prob', 'BaseInit',
    'ConstantInit', 'XavierInit', 'NormalInit', 'TruncNormalInit', 'UniformInit', 'KaimingInit',
    'Caffe2XavierInit', 'PretrainedInit', 'initialize', 'has_pretrained_init'
]
