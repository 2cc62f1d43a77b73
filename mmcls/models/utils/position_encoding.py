"""Conditional position encoding (PEG of CPVT / Twins): a depth-wise conv over the token grid.

``PositionEncodingFourier`` (EdgeNeXt) is defined with its backbone and resolved from this
module's path on first access, as MMClassification 1.x imported it from here.
"""
from typing import Tuple

import torch
import torch.nn as nn

from mmcls.utils.package import lazy_exports

from .base_module import BaseModule

__getattr__ = lazy_exports(__name__, {'PositionEncodingFourier': 'mmcls.models.backbones.edgenext'})


class ConditionalPositionEncoding(BaseModule):
    """Add a depth-wise 3x3 convolution of the (B, H*W, C) tokens to themselves.

    With ``stride > 1`` the conv also down-samples and there is no residual.
    ``forward(x, hw_shape)`` returns (B, H'*W', C) tokens.
    """

    def __init__(self, in_channels: int, embed_dims: int = 768, stride: int = 1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.proj = nn.Conv2d(in_channels, embed_dims, kernel_size=3, stride=stride, padding=1,
                              bias=True, groups=embed_dims)
        self.stride = stride

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        batch, tokens, channels = x.shape
        height, width = hw_shape
        if tokens != height * width:
            raise ValueError(f'ConditionalPositionEncoding got {tokens} tokens for grid {hw_shape}')
        feat = x.transpose(1, 2).reshape(batch, channels, height, width)
        out = self.proj(feat)
        if self.stride == 1:
            out = out + feat
        return out.flatten(2).transpose(1, 2)


__all__ = ['ConditionalPositionEncoding']
