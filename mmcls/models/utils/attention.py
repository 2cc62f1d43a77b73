"""Multi-head self-attention of ViT-style models, on ``scaled_dot_product_attention``.

It also holds the cross-covariance ("channel") attention of EdgeNeXt and XCiT, and keeps
MMClassification 1.x's import path of the other attention blocks: the window attentions (defined
in ``window_attention``) and, resolved on first access because their modules import this package,
the BEiT and TinyViT attentions defined with their backbones.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.utils.package import lazy_exports

from .base_module import BaseModule
from .drop import build_dropout
from .helpers import torch_meshgrid  # noqa: F401  (rc6 path)
from .layer_scale import LayerScale
from .window_attention import ShiftWindowMSA, WindowMSA, WindowMSAV2

__getattr__ = lazy_exports(__name__, {
    'BEiTAttention': 'mmcls.models.backbones.beit',
    'LeAttention': 'mmcls.models.backbones.tinyvit',
})


class MultiheadAttention(BaseModule):
    """Self-attention over (B, N, C) tokens with a fused ``qkv`` projection (MMClassification names).

    Args:
        embed_dims: output width (and q/k/v width).
        num_heads: number of heads; ``embed_dims`` must divide by it.
        input_dims: input width (default ``embed_dims``).
        qk_scale: override of the ``head_dims ** -0.5`` scale.
        v_shortcut: add ``v`` to the output (T2T-ViT's token transformer).
        use_layer_scale / layer_scale_init_value: LayerScale ``gamma1`` on the output.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 input_dims: Optional[int] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 dropout_layer: dict = dict(type='Dropout', drop_prob=0.),
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 proj_bias: bool = True,
                 v_shortcut: bool = False,
                 use_layer_scale: bool = False,
                 layer_scale_init_value: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by num_heads {num_heads}')
        self.input_dims = input_dims or embed_dims
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.v_shortcut = v_shortcut
        self.head_dims = embed_dims // num_heads
        self.scale = qk_scale or self.head_dims**-0.5
        self.attn_drop = attn_drop
        self.qkv = nn.Linear(self.input_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims, bias=proj_bias)
        self.proj_drop = nn.Dropout(proj_drop)
        self.out_drop = build_dropout(dropout_layer)
        if use_layer_scale or layer_scale_init_value > 0:
            self.gamma1 = LayerScale(embed_dims, scale=layer_scale_init_value or 1e-5)
        else:
            self.gamma1 = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, _ = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, scale=self.scale)
        out = out.transpose(1, 2).reshape(batch, tokens, self.embed_dims)
        out = self.out_drop(self.gamma1(self.proj_drop(self.proj(out))))
        if self.v_shortcut:
            out = v.squeeze(1) + out
        return out


QK_SCALE_TYPES = ('learnable', 'fixed', 'none')


class ChannelMultiheadAttention(BaseModule):
    """Cross-covariance attention over (B, N, C) tokens: each head attends over its channels
    (a ``head_dims x head_dims`` map, linear in the number of tokens), with queries and keys
    L2-normalised along the tokens.

    Args:
        embed_dims: output width (and q/k/v width); must divide by ``num_heads``.
        input_dims: input width (default ``embed_dims``).
        dropout_layer: dropout (or drop path) after the output projection.
        proj_bias: bias of the output projection.
        qk_scale_type: ``'learnable'``: a per-head scale, a parameter named
            :attr:`learnable_scale_name`; ``'fixed'``: ``head_dims ** -0.5``; ``'none'``:
            ``qk_scale``.
        v_shortcut: add ``v`` to the output (a single head only).
    """
    #: the parameter name of a learnable per-head scale (XCiT calls it ``temperature``)
    learnable_scale_name = 'scale'

    def __init__(self,
                 embed_dims: int,
                 num_heads: int = 8,
                 input_dims: Optional[int] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 dropout_layer: dict = dict(type='Dropout', drop_prob=0.),
                 qkv_bias: bool = False,
                 proj_bias: bool = True,
                 qk_scale_type: str = 'learnable',
                 qk_scale: Optional[float] = None,
                 v_shortcut: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'{type(self).__name__}: embed_dims {embed_dims} is not divisible '
                             f'by num_heads {num_heads}')
        self.input_dims = input_dims or embed_dims
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.head_dims = embed_dims // num_heads
        self.v_shortcut = v_shortcut
        self._init_scale(qk_scale_type, qk_scale)
        self.qkv = nn.Linear(self.input_dims, embed_dims * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(embed_dims, embed_dims, bias=proj_bias)
        self.proj_drop = nn.Dropout(proj_drop)
        self.out_drop = build_dropout(dropout_layer)

    def _init_scale(self, qk_scale_type: str, qk_scale: Optional[float]) -> None:
        if qk_scale_type not in QK_SCALE_TYPES:
            raise ValueError(f'{type(self).__name__}: qk_scale_type must be one of '
                             f'{QK_SCALE_TYPES}, got {qk_scale_type!r}')
        if qk_scale_type == 'learnable':
            setattr(self, self.learnable_scale_name,
                    nn.Parameter(torch.ones(self.num_heads, 1, 1)))
        elif qk_scale_type == 'fixed':
            self.scale = self.head_dims**-0.5
        elif qk_scale is None:
            raise ValueError(f"{type(self).__name__}: qk_scale_type='none' needs a qk_scale")
        else:
            self.scale = qk_scale
        self.qk_scale_type = qk_scale_type

    def _qk_factor(self):
        """The factor of the normalised query-key products (a per-head parameter or a float)."""
        if self.qk_scale_type == 'learnable':
            return getattr(self, self.learnable_scale_name)
        return self.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, _ = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 4, 1)  # each (B, heads, head_dims, N)
        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        attn = self.attn_drop(((q @ k.transpose(-2, -1)) * self._qk_factor()).softmax(dim=-1))
        out = (attn @ v).permute(0, 3, 1, 2).reshape(batch, tokens, self.embed_dims)
        out = self.out_drop(self.proj_drop(self.proj(out)))
        if self.v_shortcut:
            out = v.transpose(-2, -1).squeeze(1) + out
        return out


__all__ = ['MultiheadAttention', 'ChannelMultiheadAttention', 'ShiftWindowMSA', 'WindowMSA',
           'WindowMSAV2', 'torch_meshgrid']
