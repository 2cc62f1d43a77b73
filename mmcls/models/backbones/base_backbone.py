"""BaseBackbone and the stage-freezing / norm-eval helpers every backbone shares."""
from abc import ABCMeta, abstractmethod
from itertools import islice
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from ..utils.arch_lookup import lookup_arch
from ..utils.base_module import BaseModule


def freeze_module(module: nn.Module) -> None:
    """Put ``module`` in eval mode and stop gradients to its parameters."""
    module.eval()
    for param in module.parameters():
        param.requires_grad = False


def set_batchnorm_eval(module: nn.Module) -> None:
    """Put every batch-norm layer below ``module`` in eval mode (frozen running statistics)."""
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.eval()


def stem_and_stages(stem: nn.Module, stages: Iterable[nn.Module],
                    frozen_stages: int) -> List[nn.Module]:
    """The modules that the common ``frozen_stages`` convention freezes.

    -1 freezes nothing; ``n >= 0`` freezes the stem and the first ``n`` stages.
    """
    if frozen_stages < 0:
        return []
    return [stem, *islice(stages, frozen_stages)]


def leading_layers(layers: Sequence[nn.Module], frozen_stages: int,
                   final_norm: Optional[nn.Module]) -> List[nn.Module]:
    """The first ``frozen_stages`` of ``layers``, and ``final_norm`` (if any) once all are.

    The token backbones' convention: the norm after the last layer freezes with it.
    """
    frozen = list(islice(layers, max(frozen_stages, 0)))
    if frozen_stages >= len(layers) and final_norm is not None:
        frozen.append(final_norm)
    return frozen


def normalize_out_indices(out_indices: Union[int, Sequence[int]], num_stages: int,
                          owner: str, unit: str = 'stages') -> Tuple[int, ...]:
    """Check ``out_indices`` against ``num_stages`` and turn negative indices positive.

    ``unit`` names what is counted in the range error (PoolFormer counts network entries).
    """
    if isinstance(out_indices, int):
        out_indices = [out_indices]
    if not isinstance(out_indices, Sequence) or isinstance(out_indices, str):
        raise TypeError(f'{owner}: out_indices must be an int or a sequence (list, tuple, '
                        f'range...), got '
                        f'{type(out_indices).__name__}')
    result = []
    for index in out_indices:
        if not -num_stages <= index < num_stages:
            raise ValueError(f'{owner}: out_indices {index} is out of range for {num_stages} '
                             f'{unit}')
        result.append(index % num_stages)
    return tuple(result)


def resolve_arch(arch: Union[str, dict], settings: dict, owner: str) -> dict:
    """Look up ``arch`` in ``settings`` (case-insensitive) or check a custom arch dict."""
    if isinstance(arch, str):
        return dict(lookup_arch(arch, settings, owner, case_sensitive=False))
    required = set(next(iter(settings.values())))
    if not isinstance(arch, dict) or not required <= set(arch):
        raise ValueError(f'{owner}: a custom arch must be a dict with keys {sorted(required)}, '
                         f'got {arch!r}')
    return dict(arch)


class BaseBackbone(BaseModule, metaclass=ABCMeta):
    """Base class of backbones: ``forward`` returns a tuple of feature maps, one per
    ``out_indices`` entry.

    Stage freezing: a backbone with ``frozen_stages`` lists what it freezes in
    :meth:`_frozen_modules` (eval mode and no gradients) and :meth:`_frozen_params` (no
    gradients only). ``train(mode)`` re-applies both after every mode switch, and with
    ``norm_eval=True`` puts the batch norms back in eval mode, because ``nn.Module.train``
    would otherwise undo them. Backbones without these settings freeze nothing.
    """

    # Keep batch norms in eval mode while training; backbones that take the argument set it.
    norm_eval: bool = False

    @abstractmethod
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the feature maps of the selected stages."""

    def _frozen_modules(self) -> List[nn.Module]:
        """Submodules held in eval mode without gradients (none unless overridden)."""
        return []

    def _frozen_params(self) -> List[nn.Parameter]:
        """Parameters held without gradients outside :meth:`_frozen_modules` (none here)."""
        return []

    def _apply_frozen_stages(self) -> None:
        """Freeze what :meth:`_frozen_modules` and :meth:`_frozen_params` name."""
        for module in self._frozen_modules():
            freeze_module(module)
        for param in self._frozen_params():
            param.requires_grad = False

    def train(self, mode: bool = True) -> 'BaseBackbone':
        """Switch train/eval mode, keeping frozen stages (and, with ``norm_eval``, batch
        norms) in eval mode."""
        super().train(mode)
        self._apply_frozen_stages()
        if mode and self.norm_eval:
            set_batchnorm_eval(self)
        return self

    def _forward_stages(self, x: torch.Tensor,
                        stages: Iterable[nn.Module]) -> Tuple[torch.Tensor, ...]:
        """Run ``x`` through ``stages`` in turn; return the outputs of the ``out_indices``
        stages."""
        outs = []
        for i, stage in enumerate(stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


__all__ = [
    'BaseBackbone', 'resolve_arch', 'freeze_module', 'set_batchnorm_eval', 'stem_and_stages',
    'leading_layers', 'normalize_out_indices'
]
