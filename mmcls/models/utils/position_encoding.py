"""Conditional position encoding (PEG of CPVT / Twins): a depth-wise conv over the token grid,
and the sine/cosine features of the Fourier position encodings of EdgeNeXt and XCiT.

``PositionEncodingFourier`` (EdgeNeXt) is defined with its backbone and resolved from this
module's path on first access, as MMClassification 1.x imported it from here.
"""
import math
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


def fourier_frequencies(num_feats: int, temperature: float = 10000) -> torch.Tensor:
    """The ``num_feats`` divisors ``temperature ** (2 * (i // 2) / num_feats)`` of the positions."""
    dim_t = torch.arange(num_feats, dtype=torch.float32)
    return temperature**(2 * torch.div(dim_t, 2, rounding_mode='floor') / num_feats)


def fourier_position_features(height: int, width: int, dim_t: torch.Tensor,
                              eps: float = 1e-6) -> torch.Tensor:
    """(1, 2 * F, H, W) features of a ``height x width`` grid: the row then the column position
    (1-based, normalised to (0, 2 pi]) divided by each of the F ``dim_t``, with sine at even and
    cosine at odd feature indices."""

    def encode(length: int) -> torch.Tensor:
        position = torch.arange(1, length + 1, device=dim_t.device, dtype=torch.float32)
        position = position / (position[-1] + eps) * (2 * math.pi)
        angle = position[:, None] / dim_t
        return torch.stack((angle[:, 0::2].sin(), angle[:, 1::2].cos()), dim=-1).flatten(-2)

    num_feats = dim_t.numel()
    rows = encode(height)[:, None, :].expand(height, width, num_feats)
    cols = encode(width)[None, :, :].expand(height, width, num_feats)
    return torch.cat((rows, cols), dim=-1).permute(2, 0, 1).unsqueeze(0)


__all__ = ['ConditionalPositionEncoding', 'fourier_frequencies', 'fourier_position_features']
