"""Transformer in Transformer (TNT, Han et al. 2021).

Each 16x16 patch is itself a sequence of 4x4 "pixel" embeddings.  Every layer runs an inner
transformer over the pixels of each patch, adds a projection of the pixels to their patch token,
then runs an outer transformer over the patch tokens (plus a class token).
"""
import math
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule, ModuleList
from ..utils.drop import build_dropout
from ..utils.embed import resize_pos_embed
from ..utils.ffn import FFN
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.weight_init import trunc_normal_
from .base_backbone import BaseBackbone, leading_layers, normalize_out_indices
from .base_backbone import resolve_arch

arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims_outer=384, embed_dims_inner=24,
                                         num_layers=12, num_heads_outer=6, num_heads_inner=4)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims_outer=640, embed_dims_inner=40,
                                        num_layers=12, num_heads_outer=10, num_heads_inner=4)),
}


class TnTAttention(BaseModule):
    """``nn.MultiheadAttention`` (as ``attn``, MMCV's layout) with a residual and drop path.

    ``qkv_bias=False`` removes the input-projection bias but keeps the output-projection bias.
    ``batch_first``: tokens are ``(batch, n, embed_dims)`` if True, ``(n, batch, embed_dims)``
    otherwise.
    """

    def __init__(self, embed_dims: int, num_heads: int, attn_drop: float = 0.,
                 proj_drop: float = 0., drop_path_rate: float = 0., qkv_bias: bool = False,
                 batch_first: bool = True, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.attn = nn.MultiheadAttention(embed_dims, num_heads, dropout=attn_drop,
                                          batch_first=batch_first)
        if not qkv_bias:
            self.attn.register_parameter('in_proj_bias', None)
        self.proj_drop = nn.Dropout(proj_drop)
        self.dropout_layer = build_dropout(dict(type='DropPath', drop_prob=drop_path_rate))

    def forward(self, x: torch.Tensor, identity: torch.Tensor) -> torch.Tensor:
        out = self.attn(x, x, x, need_weights=False)[0]
        return identity + self.dropout_layer(self.proj_drop(out))


class TransformerBlock(BaseModule):
    """Pre-norm block: ``x + attn(norm_attn(x))`` then ``x + ffn(norm_ffn(x))``.

    Args:
        embed_dims / num_heads: token width and attention heads.
        ffn_ratio: FFN hidden width over ``embed_dims``.
        drop_rate / attn_drop_rate / drop_path_rate: dropout after the projections, on the
            attention weights, and stochastic depth of both branches.
        num_fcs: linear layers of the FFN.
        qkv_bias: bias of the query/key/value projection.
        act_cfg / norm_cfg: FFN activation and norm layers.
        batch_first: tokens are ``(batch, n, embed_dims)`` if True (as the TNT layers pass
            them), ``(n, batch, embed_dims)`` otherwise.
        init_cfg: initialisation config.
    """

    def __init__(self, embed_dims: int, num_heads: int, ffn_ratio: int = 4,
                 drop_rate: float = 0., attn_drop_rate: float = 0., drop_path_rate: float = 0.,
                 num_fcs: int = 2, qkv_bias: bool = False, act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'), batch_first: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.norm_attn = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = TnTAttention(embed_dims, num_heads, attn_drop=attn_drop_rate,
                                 proj_drop=drop_rate, drop_path_rate=drop_path_rate,
                                 qkv_bias=qkv_bias, batch_first=batch_first)
        self.norm_ffn = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims=embed_dims, feedforward_channels=embed_dims * ffn_ratio,
                       num_fcs=num_fcs, ffn_drop=drop_rate,
                       dropout_layer=dict(type='DropPath', drop_prob=drop_path_rate),
                       act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.attn(self.norm_attn(x), identity=x)
        return self.ffn(self.norm_ffn(x), identity=x)


class TnTLayer(BaseModule):
    """Inner block over pixels, pixel -> patch projection added to the patch tokens, outer block."""

    def __init__(self, num_pixel: int, embed_dims_inner: int, embed_dims_outer: int,
                 num_heads_inner: int, num_heads_outer: int, inner_block_cfg: dict = dict(),
                 outer_block_cfg: dict = dict(), norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.inner_block = TransformerBlock(embed_dims_inner, num_heads_inner,
                                            **inner_block_cfg)
        self.norm_proj = build_norm_layer(norm_cfg, embed_dims_inner)[1]
        self.projection = nn.Linear(embed_dims_inner * num_pixel, embed_dims_outer)
        self.outer_block = TransformerBlock(embed_dims_outer, num_heads_outer,
                                            **outer_block_cfg)

    def forward(self, pixel_embed: torch.Tensor,
                patch_embed: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        pixel_embed = self.inner_block(pixel_embed)
        batch, tokens, _ = patch_embed.shape
        update = self.projection(self.norm_proj(pixel_embed).reshape(batch, tokens - 1, -1))
        patch_embed = torch.cat([patch_embed[:, :1], patch_embed[:, 1:] + update], dim=1)
        return pixel_embed, self.outer_block(patch_embed)


class PixelEmbed(BaseModule):
    """Image -> pixel embeddings: 7x7 conv (stride ``stride``) then unfold into per-patch blocks.

    ``forward(x, pixel_pos)`` returns ``(pixels (B*N, p*p, C_inner), (grid_h, grid_w))``.
    """

    def __init__(self, img_size: Union[int, Sequence[int]] = 224, patch_size: int = 16,
                 in_channels: int = 3, embed_dims_inner: int = 48, stride: int = 4,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        img_size, patch_size = to_2tuple(img_size), to_2tuple(patch_size)
        self.img_size = img_size
        self.patch_size = patch_size
        self.patches_resolution = (img_size[0] // patch_size[0], img_size[1] // patch_size[1])
        self.num_patches = self.patches_resolution[0] * self.patches_resolution[1]
        self.embed_dims_inner = embed_dims_inner
        self.new_patch_size = [math.ceil(p / stride) for p in patch_size]
        self.proj = nn.Conv2d(in_channels, embed_dims_inner, kernel_size=7, padding=3,
                              stride=stride)
        self.unfold = nn.Unfold(kernel_size=self.new_patch_size, stride=self.new_patch_size)

    def forward(self, x: torch.Tensor,
                pixel_pos: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        height, width = x.shape[2:]
        if height % self.patch_size[0] or width % self.patch_size[1]:
            raise ValueError(f'TNT: input size {(height, width)} is not a multiple of the patch '
                             f'size {self.patch_size}')
        grid = (height // self.patch_size[0], width // self.patch_size[1])
        x = self.unfold(self.proj(x)).transpose(1, 2)
        x = x.reshape(-1, self.embed_dims_inner, *self.new_patch_size) + pixel_pos
        return x.flatten(2).transpose(1, 2), grid


@MODELS.register_module()
class TNT(BaseBackbone):
    """Transformer in Transformer backbone.

    Args:
        arch: ``'small'``/``'base'`` or a dict with embed_dims_outer, embed_dims_inner,
            num_layers, num_heads_outer, num_heads_inner.
        img_size / patch_size: training resolution and patch size; other sizes (multiples of
            the patch size) interpolate the patch position embedding.
        first_stride: stride of the pixel-embedding conv (pixels per patch side = patch/stride).
        out_indices: layers whose class token is returned (the last one after the final norm).
        frozen_stages: freeze the embeddings and the first N layers.
    """
    num_extra_tokens = 1
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'b',
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 ffn_ratio: int = 4,
                 qkv_bias: bool = False,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 first_stride: int = 4,
                 num_fcs: int = 2,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = -1,
                 interpolate_mode: str = 'bicubic',
                 init_cfg=[
                     dict(type='TruncNormal', layer='Linear', std=.02),
                     dict(type='Constant', layer='LayerNorm', val=1., bias=0.)
                 ]) -> None:
        super().__init__(init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'TNT')
        self.embed_dims_inner = self.arch_settings['embed_dims_inner']
        self.embed_dims = self.embed_dims_outer = self.arch_settings['embed_dims_outer']
        self.num_layers = self.arch_settings['num_layers']

        self.pixel_embed = PixelEmbed(img_size, patch_size, in_channels, self.embed_dims_inner,
                                      stride=first_stride)
        self.num_patches = self.pixel_embed.num_patches
        self.patch_resolution = self.pixel_embed.patches_resolution
        new_patch_size = self.pixel_embed.new_patch_size
        num_pixel = new_patch_size[0] * new_patch_size[1]
        self.norm1_proj = build_norm_layer(norm_cfg, num_pixel * self.embed_dims_inner)[1]
        self.projection = nn.Linear(num_pixel * self.embed_dims_inner, self.embed_dims_outer)
        self.norm2_proj = build_norm_layer(norm_cfg, self.embed_dims_outer)[1]

        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims_outer))
        self.patch_pos = nn.Parameter(torch.zeros(1, self.num_patches + 1,
                                                  self.embed_dims_outer))
        self.pixel_pos = nn.Parameter(torch.zeros(1, self.embed_dims_inner, *new_patch_size))
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        self.interpolate_mode = interpolate_mode

        dpr = torch.linspace(0, drop_path_rate, self.num_layers).tolist()
        self.layers = ModuleList()
        for i in range(self.num_layers):
            block_cfg = dict(ffn_ratio=ffn_ratio, drop_rate=drop_rate,
                             attn_drop_rate=attn_drop_rate, drop_path_rate=dpr[i],
                             num_fcs=num_fcs, qkv_bias=qkv_bias, act_cfg=act_cfg,
                             norm_cfg=norm_cfg)
            self.layers.append(TnTLayer(
                num_pixel, self.embed_dims_inner, self.embed_dims_outer,
                self.arch_settings['num_heads_inner'], self.arch_settings['num_heads_outer'],
                inner_block_cfg=block_cfg, outer_block_cfg=block_cfg, norm_cfg=norm_cfg))
        self.norm = build_norm_layer(norm_cfg, self.embed_dims_outer)[1]
        self.out_indices = normalize_out_indices(out_indices, self.num_layers, 'TNT')
        self.frozen_stages = frozen_stages

        trunc_normal_(self.cls_token, std=.02)
        trunc_normal_(self.patch_pos, std=.02)
        trunc_normal_(self.pixel_pos, std=.02)
        self._apply_frozen_stages()

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        return [self.pixel_embed, self.norm1_proj, self.projection, self.norm2_proj,
                *leading_layers(self.layers, self.frozen_stages, self.norm)]

    def _frozen_params(self) -> List[nn.Parameter]:
        if self.frozen_stages < 0:
            return []
        return [self.cls_token, self.patch_pos, self.pixel_pos]

    def forward(self, x: torch.Tensor) -> tuple:
        batch = x.shape[0]
        pixel_embed, grid = self.pixel_embed(x, self.pixel_pos)
        patch_embed = self.norm2_proj(self.projection(self.norm1_proj(
            pixel_embed.reshape(batch, grid[0] * grid[1], -1))))
        patch_embed = torch.cat((self.cls_token.expand(batch, -1, -1), patch_embed), dim=1)
        patch_embed = patch_embed + resize_pos_embed(
            self.patch_pos, self.patch_resolution, grid, mode=self.interpolate_mode,
            num_extra_tokens=self.num_extra_tokens)
        patch_embed = self.drop_after_pos(patch_embed)

        outs = []
        for i, layer in enumerate(self.layers):
            pixel_embed, patch_embed = layer(pixel_embed, patch_embed)
            if i == self.num_layers - 1:
                patch_embed = self.norm(patch_embed)
            if i in self.out_indices:
                outs.append(patch_embed[:, 0])
        return tuple(outs)


__all__ = ['TNT']
