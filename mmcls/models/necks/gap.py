"""Global average pooling neck: (N, C, ...) feature maps -> (N, C) vectors."""
from typing import Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

_POOLS = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}


def pool_each(pool: nn.Module, inputs: Union[torch.Tensor, Tuple[torch.Tensor, ...]]):
    """Apply ``pool`` to a tensor or to every tensor of a tuple, flattening to (N, C)."""
    if isinstance(inputs, tuple):
        return tuple(pool(x).view(x.size(0), -1) for x in inputs)
    if isinstance(inputs, torch.Tensor):
        return pool(inputs).view(inputs.size(0), -1)
    raise TypeError(f'neck inputs must be a tensor or a tuple of tensors, got '
                    f'{type(inputs).__name__}')


@MODELS.register_module()
class GlobalAveragePooling(nn.Module):
    """Average every feature map over its spatial dimensions.

    Args:
        dim: number of spatial dimensions of the inputs, 1, 2 (default) or 3.
    """

    def __init__(self, dim: int = 2) -> None:
        super().__init__()
        if dim not in _POOLS:
            raise ValueError(f'GlobalAveragePooling dim must be 1, 2 or 3, got {dim!r}')
        self.gap = _POOLS[dim](1)

    def init_weights(self) -> None:
        """No parameters to initialise."""

    def forward(self, inputs):
        """Pool a tensor, or each tensor of a tuple (one per backbone stage)."""
        return pool_each(self.gap, inputs)


__all__ = ['GlobalAveragePooling', 'pool_each']
