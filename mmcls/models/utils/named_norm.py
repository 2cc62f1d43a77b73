"""Norm layers registered under the name their config gives (``bn1``, ``gn2``, ...), as in
MMCV-style modules, and the properties that read them back (``self.norm1``)."""
import torch.nn as nn

from .norm import build_norm_layer


def add_named_norm(module: nn.Module, norm_cfg: dict, channels: int, postfix: int) -> str:
    """Build a norm of ``channels`` from ``norm_cfg``, register it on ``module`` under its
    abbreviation plus ``postfix`` and return that name."""
    name, norm = build_norm_layer(norm_cfg, channels, postfix=postfix)
    module.add_module(name, norm)
    return name


def norm_property(postfix: int) -> property:
    """A read-only property returning the norm whose name is stored in ``norm{postfix}_name``."""
    attribute = f'norm{postfix}_name'
    return property(lambda self: getattr(self, getattr(self, attribute)),
                    doc=f'The norm layer registered as ``{attribute}``.')


__all__ = ['add_named_norm', 'norm_property']
