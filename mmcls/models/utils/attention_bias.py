"""Learned attention biases shared by positions at the same |offset| (LeViT, EfficientFormer,
TinyViT): one bias per head and distinct (|dy|, |dx|) pair, and the attention base class that
holds them."""
import itertools
from typing import Tuple

import torch
import torch.nn as nn

from .base_module import BaseModule


def offset_bias_index(resolution: int, query_resolution: int = None,
                      stride: int = 1) -> Tuple[int, torch.Tensor]:
    """Return ``(num_offsets, idxs)`` for a square grid of ``resolution`` keys and a grid of
    ``query_resolution`` queries (default: the same grid) placed every ``stride`` keys.

    ``idxs[q, k]`` numbers the offset ``(|qy*stride - ky|, |qx*stride - kx|)`` in order of first
    appearance, so ``biases[:, idxs]`` with ``biases`` of shape (heads, num_offsets) expands
    per-offset biases to a (heads, queries, keys) table.
    """
    if query_resolution is None:
        query_resolution = resolution
    keys = list(itertools.product(range(resolution), range(resolution)))
    queries = list(itertools.product(range(query_resolution), range(query_resolution)))
    offsets = {}
    idxs = []
    for qy, qx in queries:
        for ky, kx in keys:
            offset = (abs(qy * stride - ky), abs(qx * stride - kx))
            idxs.append(offsets.setdefault(offset, len(offsets)))
    return len(offsets), torch.tensor(idxs, dtype=torch.long).view(len(queries), len(keys))


class BiasedAttention(BaseModule):
    """Head sizes and learned per-offset attention biases shared by LeViT's attention blocks,
    EfficientFormer's and TinyViT's attention: keys of ``key_dim``, values ``attn_ratio`` times
    wider.

    An eval-mode forward keeps the expanded (heads, queries, keys) bias table as the buffer
    ``ab`` (outside the state dict), so later inference skips the gather. It is rebuilt whenever
    ``attention_biases`` changed (loading, an optimiser step, a device move), bypassed when
    gradients must reach ``attention_biases``, and dropped by a training-mode forward.
    """

    def __init__(self, key_dim: int, num_heads: int, attn_ratio: float, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.num_heads = num_heads
        self.scale = key_dim**-0.5
        self.key_dim = key_dim
        self.attn_ratio = attn_ratio
        self.d = int(attn_ratio * key_dim)
        self.dh = self.d * num_heads

    def _init_biases(self, num_heads: int, resolution: int, sub_resolution: int,
                     stride: int, persistent: bool = True) -> None:
        """``attention_biases`` (heads, offsets) and the ``attention_bias_idxs`` buffer that
        expands them; ``persistent=False`` keeps the index out of the state dict (TinyViT's
        checkpoints do not store it)."""
        num_offsets, idxs = offset_bias_index(resolution, sub_resolution, stride)
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, num_offsets))
        self.register_buffer('attention_bias_idxs', idxs, persistent=persistent)

    def _bias_state(self) -> tuple:
        biases = self.attention_biases
        return biases._version, biases.data_ptr(), self.attention_bias_idxs.data_ptr()

    def expanded_biases(self) -> torch.Tensor:
        """The (heads, queries, keys) bias table: the eval-mode cache ``ab`` when usable."""
        if self.training:
            self._buffers.pop('ab', None)
            return self.attention_biases[:, self.attention_bias_idxs]
        needs_grad = torch.is_grad_enabled() and self.attention_biases.requires_grad
        if needs_grad or 'ab' not in self._buffers or self._ab_state != self._bias_state():
            table = self.attention_biases[:, self.attention_bias_idxs]
            self.register_buffer('ab', table.detach(), persistent=False)
            self._ab_state = self._bias_state()
            return table
        return self.ab

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn + self.expanded_biases()
        return attn.softmax(dim=-1) @ v


__all__ = ['offset_bias_index', 'BiasedAttention']
