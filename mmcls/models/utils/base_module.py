"""BaseModule: an ``nn.Module`` that initialises itself from ``init_cfg``.

``init_weights()`` runs the module's non-pretrained init configs, then lets every child
initialise itself, then loads ``Pretrained`` weights last so they are not overwritten.
"""
import copy
from typing import List, Optional, Union

import torch.nn as nn

from .weight_init import initialize

InitCfg = Optional[Union[dict, List[dict]]]


class BaseModule(nn.Module):
    """Base class of every mmcls model part that supports ``init_cfg``."""

    def __init__(self, init_cfg: InitCfg = None) -> None:
        super().__init__()
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        return self._is_init

    def init_weights(self) -> None:
        """Initialise parameters from ``init_cfg`` and the children's own rules (once).

        Raises a TypeError when ``init_cfg`` holds anything but dicts.
        """
        if self._is_init:
            return
        cfgs = self.init_cfg if isinstance(self.init_cfg, list) else (
            [self.init_cfg] if self.init_cfg else [])
        for cfg in cfgs:
            if not isinstance(cfg, dict):
                raise TypeError(f'{type(self).__name__}: init_cfg must be a dict or a list of '
                                f'dicts, got {cfg!r}')
        pretrained = [c for c in cfgs if c.get('type') == 'Pretrained']
        others = [c for c in cfgs if c.get('type') != 'Pretrained']
        if others:
            initialize(self, others)
        for child in self.children():
            _init_child(child)
        if pretrained:
            initialize(self, pretrained)
        self._is_init = True

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f'\ninit_cfg={self.init_cfg}'
        return text


def _init_child(module: nn.Module) -> None:
    """Initialise a child: BaseModules through ``init_weights``, others by recursing into them."""
    if isinstance(module, BaseModule):
        module.init_weights()
        return
    if hasattr(module, 'init_weights') and callable(module.init_weights):
        module.init_weights()  # e.g. ConvModule's default init
        return
    for child in module.children():
        _init_child(child)


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with ``init_cfg``."""

    def __init__(self, *args, init_cfg: InitCfg = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with ``init_cfg``."""

    def __init__(self, modules=None, init_cfg: InitCfg = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with ``init_cfg``."""

    def __init__(self, modules=None, init_cfg: InitCfg = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)


__all__ = ['BaseModule', 'Sequential', 'ModuleList', 'ModuleDict']
