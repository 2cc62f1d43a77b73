"""BaseBackbone and the stage-freezing / norm-eval helpers every backbone shares."""
from abc import ABCMeta, abstractmethod
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

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


def normalize_out_indices(out_indices: Union[int, Sequence[int]], num_stages: int,
                          owner: str) -> Tuple[int, ...]:
    """Check ``out_indices`` against ``num_stages`` and turn negative indices positive."""
    if isinstance(out_indices, int):
        out_indices = [out_indices]
    if not isinstance(out_indices, (list, tuple)):
        raise TypeError(f'{owner}: out_indices must be an int or a sequence, got '
                        f'{type(out_indices).__name__}')
    result = []
    for index in out_indices:
        if not -num_stages <= index < num_stages:
            raise ValueError(f'{owner}: out_indices {index} is out of range for {num_stages} stages')
        result.append(index % num_stages)
    return tuple(result)


class BaseBackbone(BaseModule, metaclass=ABCMeta):
    """Base class of backbones: ``forward`` returns a tuple of feature maps, one per
    ``out_indices`` entry.  Backbones with ``frozen_stages``/``norm_eval`` override
    ``train(mode)`` to re-apply them (see :func:`freeze_module`, :func:`set_batchnorm_eval`)."""

    @abstractmethod
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the feature maps of the selected stages."""


__all__ = ['BaseBackbone', 'freeze_module', 'set_batchnorm_eval', 'normalize_out_indices']
