"""XCiT: Cross-Covariance Image Transformers (El-Nouby et al. 2021).

XCA blocks attend across channels (a ``head_dims x head_dims`` cross-covariance map, linear in the
number of tokens) and mix neighbouring tokens with a depth-wise "local patch interaction" (LPI);
two class-attention blocks then pool the tokens into the class token.  Position information comes
from a Fourier encoding computed for any patch grid, so every input size works without resizing.
"""
import math
from functools import partial
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from ..utils.attention import ChannelMultiheadAttention
from ..utils.base_module import BaseModule, ModuleList, Sequential
from ..utils.conv_module import ConvModule
from ..utils.drop import DropPath
from ..utils.helpers import to_2tuple
from ..utils.ffn import FFN
from ..utils.norm import build_norm_layer
from ..utils.position_encoding import fourier_frequencies, fourier_position_features
from ..utils.token_layers import init_token_params, run_layers, tokens_to_map
from .base_backbone import BaseBackbone, leading_layers, normalize_out_indices
from .base_backbone import resolve_arch

# embed_dims, depth (XCA blocks), num_heads, and the official per-size recipe:
# layer-scale initial value and whether class attention normalises every token.
arch_settings = {
    'nano-12': dict(embed_dims=128, depth=12, num_heads=4, layer_scale_init_value=1.0,
                    tokens_norm=False),
    'tiny-12': dict(embed_dims=192, depth=12, num_heads=4, layer_scale_init_value=1.0,
                    tokens_norm=True),
    'tiny-24': dict(embed_dims=192, depth=24, num_heads=4, layer_scale_init_value=1e-5,
                    tokens_norm=True),
    'small-12': dict(embed_dims=384, depth=12, num_heads=8, layer_scale_init_value=1.0,
                     tokens_norm=True),
    'small-24': dict(embed_dims=384, depth=24, num_heads=8, layer_scale_init_value=1e-5,
                     tokens_norm=True),
    'medium-24': dict(embed_dims=512, depth=24, num_heads=8, layer_scale_init_value=1e-5,
                      tokens_norm=True),
    'large-24': dict(embed_dims=768, depth=24, num_heads=16, layer_scale_init_value=1e-5,
                     tokens_norm=True),
}

OUT_TYPES = ('raw', 'featmap', 'avg_featmap', 'cls_token')


class ClassAttention(BaseModule):
    """Attention where only the class token (token 0) queries all tokens (CaiT).

    Returns the updated class token, shape (B, 1, C).
    """

    def __init__(self, dim: int, num_heads: int = 8, qkv_bias: bool = False,
                 attn_drop: float = 0., proj_drop: float = 0., init_cfg=None) -> None:
        super().__init__(init_cfg)
        if dim % num_heads:
            raise ValueError(f'ClassAttention: dim {dim} is not divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.scale = (dim // num_heads)**-0.5
        self.attn_drop = attn_drop
        self.q = nn.Linear(dim, dim, bias=qkv_bias)
        self.k = nn.Linear(dim, dim, bias=qkv_bias)
        self.v = nn.Linear(dim, dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, channels = x.shape
        heads = self.num_heads
        q = self.q(x[:, :1]).reshape(batch, 1, heads, -1).transpose(1, 2)
        k = self.k(x).reshape(batch, tokens, heads, -1).transpose(1, 2)
        v = self.v(x).reshape(batch, tokens, heads, -1).transpose(1, 2)
        drop = self.attn_drop if self.training else 0.
        cls = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, scale=self.scale)
        cls = cls.transpose(1, 2).reshape(batch, 1, channels)
        return self.proj_drop(self.proj(cls))


# MMClassification 1.x's (misspelt) name of the class-attention module.
ClassAttntion = ClassAttention


class PositionalEncodingFourier(BaseModule):
    """Sine/cosine encoding of the (row, column) of each patch, projected to ``dim`` channels.

    ``forward(batch, height, width)`` returns a (B, dim, H, W) map for any grid size.
    """

    def __init__(self, hidden_dim: int = 32, dim: int = 768, temperature: float = 10000,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.token_projection = ConvModule(hidden_dim * 2, dim, kernel_size=1, norm_cfg=None,
                                           act_cfg=None)
        self.hidden_dim = hidden_dim
        self.dim = dim
        self.temperature = temperature
        self.scale = 2 * math.pi
        self.eps = 1e-6

    def forward(self, batch: int, height: int, width: int) -> torch.Tensor:
        weight = self.token_projection.conv.weight
        dim_t = fourier_frequencies(self.hidden_dim, self.temperature).to(weight.device)
        pos = fourier_position_features(height, width, dim_t, self.eps)
        pos = self.token_projection(pos.to(weight.dtype))
        return pos.expand(batch, -1, -1, -1)


class ConvPatchEmbed(BaseModule):
    """Stack of stride-2 3x3 conv-BN-GELU layers (3 for patch 8, 4 for patch 16; no act last).

    ``forward`` returns ``(tokens (B, N, C), (H, W))``. ``img_size`` is the nominal input size:
    it sets ``img_size`` and ``num_patches`` (the token count at that size); other sizes are
    embedded as well.
    """

    def __init__(self, img_size: Union[int, tuple] = 224, patch_size: int = 16,
                 in_channels: int = 3, embed_dims: int = 768,
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.img_size = to_2tuple(img_size)
        self.num_patches = (self.img_size[0] // patch_size) * (self.img_size[1] // patch_size)
        if patch_size == 16:
            widths = [embed_dims // 8, embed_dims // 4, embed_dims // 2, embed_dims]
        elif patch_size == 8:
            widths = [embed_dims // 4, embed_dims // 2, embed_dims]
        else:
            raise ValueError(f'XCiT: patch_size must be 8 or 16, got {patch_size}')
        self.patch_size = patch_size
        layers = []
        for i, width in enumerate(widths):
            last = i == len(widths) - 1
            layers.append(ConvModule(in_channels, width, kernel_size=3, stride=2, padding=1,
                                     norm_cfg=norm_cfg, act_cfg=None if last else act_cfg))
            in_channels = width
        self.proj = Sequential(*layers)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        x = self.proj(x)
        size = (x.shape[2], x.shape[3])
        return x.flatten(2).transpose(1, 2), size


class LPI(BaseModule):
    """Local patch interaction: depth-wise 3x3 conv -> GELU -> BN -> depth-wise 3x3 conv.

    The second conv maps to ``out_features`` channels (default ``in_features``) with
    ``out_features`` groups.
    """

    def __init__(self, in_features: int, out_features: Optional[int] = None,
                 kernel_size: int = 3, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='GELU'), init_cfg=None) -> None:
        super().__init__(init_cfg)
        out_features = out_features or in_features
        padding = kernel_size // 2
        self.conv1 = ConvModule(in_features, in_features, kernel_size, padding=padding,
                                groups=in_features, bias=True, norm_cfg=norm_cfg,
                                act_cfg=act_cfg, order=('conv', 'act', 'norm'))
        self.conv2 = ConvModule(in_features, out_features, kernel_size, padding=padding,
                                groups=out_features, norm_cfg=None, act_cfg=None)

    def forward(self, x: torch.Tensor, height: int, width: int) -> torch.Tensor:
        batch, tokens, channels = x.shape
        x = x.transpose(1, 2).reshape(batch, channels, height, width)
        x = self.conv2(self.conv1(x))
        return x.reshape(batch, channels, tokens).transpose(1, 2)


class XCA(ChannelMultiheadAttention):
    """Cross-covariance attention: softmax(temperature * q_hat k_hat^T) over channels per head.

    ``q`` and ``k`` are L2-normalised along the token axis; ``temperature`` is learnt per head.
    """
    learnable_scale_name = 'temperature'

    def __init__(self, dim: int, num_heads: int = 8, qkv_bias: bool = False,
                 attn_drop: float = 0., proj_drop: float = 0., init_cfg=None) -> None:
        super().__init__(dim, num_heads, attn_drop=attn_drop, proj_drop=proj_drop,
                         qkv_bias=qkv_bias, init_cfg=init_cfg)


def _layer_scale(dim: int, value: float) -> nn.Parameter:
    return nn.Parameter(value * torch.ones(dim))


class XCABlock(BaseModule):
    """``x + g1*XCA(n1(x))``, ``x + g3*LPI(n3(x))``, ``x + g2*FFN(n2(x))`` (official order 3, 2)."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4., qkv_bias: bool = False,
                 drop: float = 0., attn_drop: float = 0., drop_path: float = 0.,
                 layer_scale_init_value: float = 1., bn_norm_cfg: dict = dict(type='BN'),
                 norm_cfg: dict = dict(type='LN', eps=1e-6), act_cfg: dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.gamma1 = _layer_scale(dim, layer_scale_init_value)
        self.gamma3 = _layer_scale(dim, layer_scale_init_value)
        self.gamma2 = _layer_scale(dim, layer_scale_init_value)
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.attn = XCA(dim, num_heads, qkv_bias=qkv_bias, attn_drop=attn_drop, proj_drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm3 = build_norm_layer(norm_cfg, dim)[1]
        self.local_mp = LPI(dim, norm_cfg=bn_norm_cfg, act_cfg=act_cfg)
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.ffn = FFN(embed_dims=dim, feedforward_channels=int(dim * mlp_ratio), act_cfg=act_cfg,
                       ffn_drop=drop, add_identity=False)

    def forward(self, x: torch.Tensor, height: int, width: int) -> torch.Tensor:
        x = x + self.drop_path(self.gamma1 * self.attn(self.norm1(x)))
        x = x + self.drop_path(self.gamma3 * self.local_mp(self.norm3(x), height, width))
        return x + self.drop_path(self.gamma2 * self.ffn(self.norm2(x)))


class ClassAttentionBlock(BaseModule):
    """Class-attention block: only the class token is updated by attention and the FFN.

    ``tokens_norm`` applies ``norm2`` to every token (the official recipe for all sizes but nano)
    instead of to the class token only.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4., qkv_bias: bool = False,
                 drop: float = 0., attn_drop: float = 0., drop_path: float = 0.,
                 layer_scale_init_value: float = 1., tokens_norm: bool = False,
                 norm_cfg: dict = dict(type='LN', eps=1e-6), act_cfg: dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if layer_scale_init_value > 0:
            self.gamma1 = _layer_scale(dim, layer_scale_init_value)
            self.gamma2 = _layer_scale(dim, layer_scale_init_value)
        else:
            self.gamma1 = self.gamma2 = None
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.attn = ClassAttention(dim, num_heads, qkv_bias=qkv_bias, attn_drop=attn_drop,
                                   proj_drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.ffn = FFN(embed_dims=dim, feedforward_channels=int(dim * mlp_ratio), act_cfg=act_cfg,
                       ffn_drop=drop, add_identity=False)
        self.tokens_norm = tokens_norm

    def _scale(self, gamma: Optional[nn.Parameter], x: torch.Tensor) -> torch.Tensor:
        return x if gamma is None else gamma * x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed = self.norm1(x)
        attn = torch.cat([self.attn(normed), normed[:, 1:]], dim=1)
        x = x + self.drop_path(self._scale(self.gamma1, attn))
        if self.tokens_norm:
            x = self.norm2(x)
        else:
            x = torch.cat([self.norm2(x[:, :1]), x[:, 1:]], dim=1)
        cls = self._scale(self.gamma2, self.ffn(x[:, :1]))
        update = torch.cat([cls, x[:, 1:]], dim=1)
        return x + self.drop_path(update)


# The keyword defaults of XCiT's widths (a ViT-Base-sized 768-wide, 12-layer, 12-head model).
_WIDTH_DEFAULTS = dict(embed_dims=768, depth=12, num_heads=12, layer_scale_init_value=1.0,
                       tokens_norm=False)


@MODELS.register_module()
class XCiT(BaseBackbone):
    """XCiT backbone.

    Args:
        arch: a name of ``arch_settings`` (``'nano-12'`` ... ``'large-24'``) or a dict with
            embed_dims, depth, num_heads, layer_scale_init_value, tokens_norm; None (default)
            takes those five from the keyword arguments.
        embed_dims / depth / num_heads / layer_scale_init_value / tokens_norm: the model's
            widths (the keyword form of MMClassification's XCiT configs); with ``arch``, a
            value other than the default overrides the arch entry.
        img_size: the training resolution (kept for reference: the Fourier position encoding
            is computed for every input size).
        patch_size: 8 or 16 (3 or 4 stride-2 convs in the patch embedding).
        cls_attn_layers: number of class-attention blocks after the XCA blocks.
        out_type: ``'cls_token'`` (B, C), ``'featmap'`` (B, C, H, W), ``'avg_featmap'`` (B, C)
            or ``'raw'`` tokens.  XCA layers have no class token, so ``'cls_token'`` only works for
            class-attention layers.
        out_indices: layer indices over ``depth + cls_attn_layers`` layers.
        final_norm: LayerNorm after the last class-attention layer.
        frozen_stages: >= 0 freezes the patch and position embeddings; N > 0 also freezes the
            first N layers (and the class token and final norm once they are all frozen).
        drop_path_rate: stochastic depth of every XCA block (constant, as in the paper).
        init_cfg: by default truncated-normal linears with ``TruncNormal``'s own ``std`` (1);
            pass ``dict(type='TruncNormal', layer='Linear', std=0.02)`` for the usual ViT scale.
    """
    num_extra_tokens = 1
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Optional[Union[str, dict]] = None,
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 embed_dims: int = 768,
                 depth: int = 12,
                 num_heads: int = 12,
                 layer_scale_init_value: float = 1.0,
                 tokens_norm: bool = False,
                 cls_attn_layers: int = 2,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 use_pos_embed: bool = True,
                 out_type: str = 'cls_token',
                 out_indices: Union[int, Sequence[int]] = (-1, ),
                 final_norm: bool = True,
                 frozen_stages: int = -1,
                 bn_norm_cfg: dict = dict(type='BN'),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'),
                 init_cfg=dict(type='TruncNormal', layer='Linear')) -> None:
        super().__init__(init_cfg)
        widths = dict(embed_dims=embed_dims, depth=depth, num_heads=num_heads,
                      layer_scale_init_value=layer_scale_init_value, tokens_norm=tokens_norm)
        if arch is None:
            settings = widths
        else:
            settings = resolve_arch(arch, self.arch_zoo, 'XCiT')
            settings.update({k: v for k, v in widths.items() if v != _WIDTH_DEFAULTS[k]})
        self.arch_settings = settings
        self.embed_dims = settings['embed_dims']
        if out_type not in OUT_TYPES:
            raise ValueError(f'XCiT: out_type must be one of {OUT_TYPES}, got {out_type!r}')
        self.out_type = out_type
        self.img_size = img_size

        self.patch_embed = ConvPatchEmbed(img_size=img_size, patch_size=patch_size,
                                          in_channels=in_channels, embed_dims=self.embed_dims,
                                          norm_cfg=bn_norm_cfg, act_cfg=act_cfg)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.use_pos_embed = use_pos_embed
        if use_pos_embed:
            self.pos_embed = PositionalEncodingFourier(dim=self.embed_dims)
        self.pos_drop = nn.Dropout(p=drop_rate)

        common = dict(dim=self.embed_dims, num_heads=settings['num_heads'], mlp_ratio=mlp_ratio,
                      qkv_bias=qkv_bias, drop=drop_rate, attn_drop=attn_drop_rate,
                      layer_scale_init_value=settings['layer_scale_init_value'],
                      norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.xca_layers = ModuleList(
            XCABlock(drop_path=drop_path_rate, bn_norm_cfg=bn_norm_cfg, **common)
            for _ in range(settings['depth']))
        self.ca_layers = ModuleList(
            ClassAttentionBlock(tokens_norm=settings['tokens_norm'], **common)
            for _ in range(cls_attn_layers))
        self.num_layers = settings['depth'] + cls_attn_layers
        self.final_norm = final_norm
        if final_norm:
            self.norm = build_norm_layer(norm_cfg, self.embed_dims)[1]

        self.out_indices = normalize_out_indices(out_indices, self.num_layers, 'XCiT')
        if out_type == 'cls_token' and any(i < settings['depth'] for i in self.out_indices):
            raise ValueError("XCiT: out_type='cls_token' needs out_indices among the class-"
                             f'attention layers (>= {settings["depth"]}), got {self.out_indices}')
        if frozen_stages > self.num_layers:
            raise ValueError(f'XCiT: frozen_stages must be at most {self.num_layers}, '
                             f'got {frozen_stages}')
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        modules = [self.patch_embed, self.pos_drop]
        if self.use_pos_embed:
            modules.append(self.pos_embed)
        # frozen_stages <= num_layers (checked in __init__): the norm freezes with the last layer
        return modules + leading_layers([*self.xca_layers, *self.ca_layers], self.frozen_stages,
                                        self.norm if self.final_norm else None)

    def _frozen_params(self) -> List[nn.Parameter]:
        # the class token joins at the first class-attention layer
        return [self.cls_token] if self.frozen_stages > len(self.xca_layers) else []

    def init_weights(self) -> None:
        super().init_weights()
        init_token_params(self, self.cls_token)

    def forward(self, x: torch.Tensor) -> tuple:
        batch = x.shape[0]
        x, (height, width) = self.patch_embed(x)
        if self.use_pos_embed:
            pos = self.pos_embed(batch, height, width)
            x = x + pos.flatten(2).transpose(1, 2)
        x = self.pos_drop(x)

        x, outs = run_layers(self.xca_layers, x, self.out_indices, None,
                             partial(self._format_output, size=(height, width),
                                     with_cls_token=False), height, width)
        x = torch.cat((self.cls_token.expand(batch, -1, -1), x), dim=1)
        offset = len(self.xca_layers)
        _, ca_outs = run_layers(self.ca_layers, x, [i - offset for i in self.out_indices],
                                self.norm if self.final_norm else None,
                                partial(self._format_output, size=(height, width),
                                        with_cls_token=True))
        return tuple(outs + ca_outs)

    def _format_output(self, x: torch.Tensor, size: Tuple[int, int],
                       with_cls_token: bool) -> torch.Tensor:
        if self.out_type == 'raw':
            return x
        if self.out_type == 'cls_token':
            return x[:, 0]
        extra = 1 if with_cls_token else 0
        if self.out_type == 'avg_featmap':
            return x[:, extra:].mean(dim=1)
        return tokens_to_map(x, size, extra)


__all__ = ['XCiT']
