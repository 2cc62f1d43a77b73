"""Conditional position encoding (PEG of CPVT / Twins): a depth-wise conv over the token grid,
and the Fourier position encodings of EdgeNeXt and XCiT (sine/cosine features of the position).
"""
import math
from typing import Sequence, Tuple

import torch
import torch.nn as nn

from .base_module import BaseModule


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


def fourier_frequencies(num_feats: int, temperature: float = 10000,
                        dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The ``num_feats`` divisors ``temperature ** (2 * (i // 2) / num_feats)`` of the positions."""
    dim_t = torch.arange(num_feats, dtype=dtype)
    return temperature**(2 * torch.div(dim_t, 2, rounding_mode='floor') / num_feats)


def fourier_position_features(height: int, width: int, dim_t: torch.Tensor,
                              eps: float = 1e-6) -> torch.Tensor:
    """(1, 2 * F, H, W) features of a ``height x width`` grid: the row then the column position
    (1-based, normalised to (0, 2 pi]) divided by each of the F ``dim_t``, with sine at even and
    cosine at odd feature indices; computed in ``dim_t``'s dtype."""

    def encode(length: int) -> torch.Tensor:
        position = torch.arange(1, length + 1, device=dim_t.device, dtype=dim_t.dtype)
        position = position / (position[-1] + eps) * (2 * math.pi)
        angle = position[:, None] / dim_t
        return torch.stack((angle[:, 0::2].sin(), angle[:, 1::2].cos()), dim=-1).flatten(-2)

    num_feats = dim_t.numel()
    rows = encode(height)[:, None, :].expand(height, width, num_feats)
    cols = encode(width)[None, :, :].expand(height, width, num_feats)
    return torch.cat((rows, cols), dim=-1).permute(2, 0, 1).unsqueeze(0)


class PositionEncodingFourier(BaseModule):
    """EdgeNeXt's position encoding: Fourier features of normalised (y, x) positions, projected
    by a 1x1 conv ``proj`` to ``embed_dims``.

    Args:
        in_channels: frequencies per axis (the projection sees twice as many features).
        temperature: base of the frequencies.
        dtype: dtype the features are computed in (then cast to the projection's dtype).
    """

    def __init__(self, in_channels: int = 32, embed_dims: int = 768, temperature: float = 10000,
                 dtype: torch.dtype = torch.float32, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.proj = nn.Conv2d(in_channels * 2, embed_dims, kernel_size=1)
        self.scale = 2 * math.pi
        self.in_channels, self.embed_dims = in_channels, embed_dims
        self.dtype = dtype
        self.dim_t = fourier_frequencies(in_channels, temperature, dtype)

    def forward(self, bhw_shape: Sequence[int]) -> torch.Tensor:
        """(B, embed_dims, H, W) encodings for a batch of ``bhw_shape``."""
        batch, height, width = bhw_shape
        weight = self.proj.weight
        pos = fourier_position_features(height, width, self.dim_t.to(weight.device))
        # one copy per sample, laid out (B, H, W, C) in memory: the projection then adds in the
        # same order as on per-sample encodings
        pos = pos.permute(0, 2, 3, 1).repeat(batch, 1, 1, 1).permute(0, 3, 1, 2)
        return self.proj(pos.to(weight.dtype))


__all__ = ['ConditionalPositionEncoding', 'PositionEncodingFourier', 'fourier_frequencies',
           'fourier_position_features']
