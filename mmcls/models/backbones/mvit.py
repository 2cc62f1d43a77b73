"""MViT V2: improved multiscale vision transformers (Li et al., 2022).

A single sequence of attention blocks whose queries, keys and values are pooled by strided
depth-wise convs: key/value pooling keeps attention cheap, query pooling (at the downscale
layers) halves the resolution while the width and head count double. Attention adds a
decomposed (height + width) relative position term, and the pooled query is added back to
the attention output (residual pooling).
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import BaseModule, ModuleList
from ..utils.drop import DropPath
from ..utils.embed import PatchEmbed, resize_pos_embed
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.weight_init import has_pretrained_init, trunc_normal_
from .base_backbone import BaseBackbone
from .base_backbone import resolve_arch

arch_settings = {
    'tiny': dict(embed_dims=96, num_layers=10, num_heads=1, downscale_indices=[1, 3, 8]),
    'small': dict(embed_dims=96, num_layers=16, num_heads=1, downscale_indices=[1, 3, 14]),
    'base': dict(embed_dims=96, num_layers=24, num_heads=1, downscale_indices=[2, 5, 21]),
    'large': dict(embed_dims=144, num_layers=48, num_heads=2, downscale_indices=[2, 8, 44]),
}


def resize_decomposed_rel_pos(rel_pos: torch.Tensor, q_size: int, k_size: int) -> torch.Tensor:
    """(q_size, k_size, C) embeddings of the relative positions of query/key rows (or columns),
    interpolating the (L, C) table linearly when it was built for other sizes."""
    max_rel_dist = int(2 * max(q_size, k_size) - 1)
    if rel_pos.shape[0] != max_rel_dist:
        rel_pos = F.interpolate(rel_pos.transpose(0, 1)[None], size=max_rel_dist,
                                mode='linear')[0].transpose(0, 1)
    q_ratio = max(k_size / q_size, 1.0)
    k_ratio = max(q_size / k_size, 1.0)
    q_coords = torch.arange(q_size, device=rel_pos.device)[:, None] * q_ratio
    k_coords = torch.arange(k_size, device=rel_pos.device)[None, :] * k_ratio
    return rel_pos[((q_coords - k_coords) + (k_size - 1) * k_ratio).long()]


def add_decomposed_rel_pos(attn: torch.Tensor, q: torch.Tensor, q_shape: Tuple[int, int],
                           k_shape: Tuple[int, int], rel_pos_h: torch.Tensor,
                           rel_pos_w: torch.Tensor, has_cls_token: bool = False) -> torch.Tensor:
    """``attn`` (B, heads, Nq, Nk) plus the query's dot products with the row and column
    relative-position embeddings.

    With ``has_cls_token`` the first query and key tokens are a class token: they get no
    relative position term and the spatial tokens follow them.
    """
    start = 1 if has_cls_token else 0
    B, num_heads, _, C = q.shape
    q_h, q_w = q_shape
    k_h, k_w = k_shape
    Rh = resize_decomposed_rel_pos(rel_pos_h, q_h, k_h)
    Rw = resize_decomposed_rel_pos(rel_pos_w, q_w, k_w)
    r_q = q[:, :, start:].reshape(B, num_heads, q_h, q_w, C)
    rel_h = torch.einsum('byhwc,hkc->byhwk', r_q, Rh)
    rel_w = torch.einsum('byhwc,wkc->byhwk', r_q, Rw)
    spatial = attn[:, :, start:, start:].reshape(B, num_heads, q_h, q_w, k_h, k_w)
    spatial = spatial + rel_h[:, :, :, :, :, None] + rel_w[:, :, :, :, None, :]
    spatial = spatial.view(B, num_heads, q_h * q_w, k_h * k_w)
    if not has_cls_token:
        return spatial
    attn = attn.clone()
    attn[:, :, start:, start:] = spatial
    return attn


def attention_pool(x: torch.Tensor, pool: nn.Module, in_size: Tuple[int, int],
                   norm: Optional[nn.Module] = None):
    """Pool tokens (B, heads, H*W, C) or (B, H*W, C) as maps; returns (tokens, (H', W'))."""
    squeeze = x.ndim == 3
    if squeeze:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f'attention_pool: unsupported input shape {tuple(x.shape)}')
    B, num_heads, L, C = x.shape
    H, W = in_size
    if L != H * W:
        raise ValueError(f'attention_pool got {L} tokens for a {H}x{W} map')
    x = pool(x.reshape(B * num_heads, H, W, C).permute(0, 3, 1, 2).contiguous())
    out_size = (x.shape[-2], x.shape[-1])
    x = x.reshape(B, num_heads, C, -1).transpose(2, 3)
    if norm is not None:
        x = norm(x)
    return (x[:, 0] if squeeze else x), out_size


class MLP(BaseModule):
    """fc1 -> activation -> fc2, with different input and output widths allowed;
    ``hidden_channels`` and ``out_channels`` default to ``in_channels``."""

    def __init__(self, in_channels: int, hidden_channels: Optional[int] = None,
                 out_channels: Optional[int] = None, act_cfg: dict = dict(type='GELU'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        hidden_channels = hidden_channels or in_channels
        out_channels = out_channels or in_channels
        self.fc1 = nn.Linear(in_channels, hidden_channels)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Linear(hidden_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class MultiScaleAttention(BaseModule):
    """Pooling attention: q/k/v pooled by depth-wise convs (``pool_*`` + ``norm_*``), with
    decomposed relative positions and residual pooling."""

    def __init__(self, in_dims: int, out_dims: int, num_heads: int, qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN'), pool_kernel: Sequence[int] = (3, 3),
                 stride_q: int = 1, stride_kv: int = 1, rel_pos_spatial: bool = False,
                 residual_pooling: bool = True, input_size: Optional[Tuple[int, int]] = None,
                 rel_pos_zero_init: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        self.num_heads = num_heads
        self.out_dims = out_dims
        head_dim = out_dims // num_heads
        self.scale = head_dim**-0.5
        self.rel_pos_spatial = rel_pos_spatial
        self.rel_pos_zero_init = rel_pos_zero_init
        if rel_pos_spatial:
            if input_size is None or input_size[0] != input_size[1]:
                raise ValueError('MultiScaleAttention: rel_pos_spatial needs a square input_size, '
                                 f'got {input_size!r}')
            size = input_size[0]
            rel_dim = 2 * max(size // stride_q, size // stride_kv) - 1
            self.rel_pos_h = nn.Parameter(torch.zeros(rel_dim, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(rel_dim, head_dim))
        self.qkv = nn.Linear(in_dims, out_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(out_dims, out_dims)
        padding = [k // 2 for k in pool_kernel]
        for name, stride in (('q', stride_q), ('k', stride_kv), ('v', stride_kv)):
            self.add_module(f'pool_{name}', nn.Conv2d(head_dim, head_dim, pool_kernel, stride,
                                                      padding, groups=head_dim, bias=False))
            self.add_module(f'norm_{name}', build_norm_layer(norm_cfg, head_dim)[1])
        self.residual_pooling = residual_pooling

    def init_weights(self) -> None:
        super().init_weights()
        if has_pretrained_init(self.init_cfg):
            return
        if self.rel_pos_spatial and not self.rel_pos_zero_init:
            trunc_normal_(self.rel_pos_h, std=0.02)
            trunc_normal_(self.rel_pos_w, std=0.02)

    def forward(self, x: torch.Tensor, in_size: Tuple[int, int]):
        B, N, _ = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        q, q_shape = attention_pool(q, self.pool_q, in_size, norm=self.norm_q)
        k, k_shape = attention_pool(k, self.pool_k, in_size, norm=self.norm_k)
        v, _ = attention_pool(v, self.pool_v, in_size, norm=self.norm_v)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if self.rel_pos_spatial:
            attn = add_decomposed_rel_pos(attn, q, q_shape, k_shape, self.rel_pos_h,
                                          self.rel_pos_w)
        x = attn.softmax(dim=-1) @ v
        if self.residual_pooling:
            x = x + q
        x = x.transpose(1, 2).reshape(B, -1, self.out_dims)
        return self.proj(x), q_shape


class MultiScaleBlock(BaseModule):
    """Pre-norm pooling-attention block; the skip path is projected (``proj``) when the width
    changes and max-pooled (``pool_skip``) when the queries are strided. ``in_dims`` and
    ``out_dims`` are kept as attributes."""

    def __init__(self, in_dims: int, out_dims: int, num_heads: int, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, drop_path: float = 0.0,
                 norm_cfg: dict = dict(type='LN'), act_cfg: dict = dict(type='GELU'),
                 qkv_pool_kernel: Sequence[int] = (3, 3), stride_q: int = 1,
                 stride_kv: int = 1, rel_pos_spatial: bool = True,
                 residual_pooling: bool = True, dim_mul_in_attention: bool = True,
                 input_size: Optional[Tuple[int, int]] = None,
                 rel_pos_zero_init: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        self.in_dims, self.out_dims = in_dims, out_dims
        self.dim_mul_in_attention = dim_mul_in_attention
        self.norm1 = build_norm_layer(norm_cfg, in_dims)[1]
        attn_dims = out_dims if dim_mul_in_attention else in_dims
        self.attn = MultiScaleAttention(in_dims, attn_dims, num_heads, qkv_bias, norm_cfg,
                                        qkv_pool_kernel, stride_q, stride_kv, rel_pos_spatial,
                                        residual_pooling, input_size, rel_pos_zero_init)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, attn_dims)[1]
        self.mlp = MLP(attn_dims, int(attn_dims * mlp_ratio), out_dims, act_cfg)
        self.proj = nn.Linear(in_dims, out_dims) if in_dims != out_dims else None
        if stride_q > 1:
            self.pool_skip = nn.MaxPool2d(stride_q + 1, stride_q, (stride_q + 1) // 2,
                                          ceil_mode=False)
            self.init_out_size = (None if input_size is None else
                                  tuple(s // stride_q for s in to_2tuple(input_size)))
        else:
            self.pool_skip = None
            self.init_out_size = input_size

    def forward(self, x: torch.Tensor, in_size: Tuple[int, int]):
        x_norm = self.norm1(x)
        x_attn, out_size = self.attn(x_norm, in_size)
        skip = self.proj(x_norm) if self.dim_mul_in_attention and self.proj is not None else x
        if self.pool_skip is not None:
            skip, _ = attention_pool(skip, self.pool_skip, in_size)
        x = skip + self.drop_path(x_attn)
        x_norm = self.norm2(x)
        x_mlp = self.mlp(x_norm)
        skip = self.proj(x_norm) if not self.dim_mul_in_attention and self.proj is not None else x
        return skip + self.drop_path(x_mlp), out_size


@MODELS.register_module()
class MViT(BaseBackbone):
    """Multiscale Vision Transformer V2 backbone.

    Args:
        arch: 'tiny', 'small', 'base', 'large' or a dict with ``embed_dims``, ``num_layers``,
            ``num_heads`` (of the first layer) and ``downscale_indices``.
        img_size / in_channels: input geometry (relative positions are laid out for img_size).
        out_scales: scales (0..len(downscale_indices)) whose (B, C, H, W) maps are returned,
            each through its own norm ``norm{i}``.
        drop_path_rate: stochastic depth, increasing linearly over the layers.
        use_abs_pos_embed / interpolate_mode: optional absolute position embedding.
        pool_kernel: q/k/v pooling kernel.
        dim_mul / head_mul: width and head multipliers at each downscale layer.
        adaptive_kv_stride: key/value pooling stride of the first layer (halved at each scale).
        rel_pos_spatial / residual_pooling / dim_mul_in_attention / rel_pos_zero_init: MViT V2
            attention options.
        mlp_ratio / qkv_bias / norm_cfg / patch_cfg: layer options.
        frozen_stages: freeze the embeddings and the first N layers.

    ``arch_zoo`` maps the arch names to their dicts; the resolved dict is ``self.arch_settings``.
    """
    arch_zoo = arch_settings
    num_extra_tokens = 0

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 224,
                 in_channels: int = 3,
                 out_scales: Union[int, Sequence[int]] = -1,
                 drop_path_rate: float = 0.,
                 use_abs_pos_embed: bool = False,
                 interpolate_mode: str = 'bicubic',
                 pool_kernel: Sequence[int] = (3, 3),
                 dim_mul: int = 2,
                 head_mul: int = 2,
                 adaptive_kv_stride: int = 4,
                 rel_pos_spatial: bool = True,
                 residual_pooling: bool = True,
                 dim_mul_in_attention: bool = True,
                 rel_pos_zero_init: bool = False,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 patch_cfg: dict = dict(kernel_size=7, stride=4, padding=3),
                 frozen_stages: int = -1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'MViT')
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.downscale_indices = list(self.arch_settings['downscale_indices'])
        self.num_scales = len(self.downscale_indices) + 1
        self.stage_indices = {index - 1: i for i, index in enumerate(self.downscale_indices)}
        self.stage_indices[self.num_layers - 1] = self.num_scales - 1
        self.use_abs_pos_embed = use_abs_pos_embed
        self.interpolate_mode = interpolate_mode
        self.frozen_stages = frozen_stages

        if isinstance(out_scales, int):
            out_scales = [out_scales]
        if not isinstance(out_scales, Sequence) or isinstance(out_scales, str):
            raise TypeError(f'MViT: out_scales must be an int or a sequence of ints, got '
                            f'{type(out_scales).__name__}')
        scales = []
        for index in out_scales:
            if not -self.num_scales <= index < self.num_scales:
                raise ValueError(f'MViT: out_scales {index} is out of range for '
                                 f'{self.num_scales} scales')
            scales.append(index % self.num_scales)
        self.out_scales = sorted(scales)

        patch = dict(in_channels=in_channels, input_size=img_size, embed_dims=self.embed_dims,
                     conv_type='Conv2d')
        patch.update(patch_cfg)
        self.patch_embed = PatchEmbed(**patch)
        self.patch_resolution = self.patch_embed.init_out_size
        if use_abs_pos_embed:
            num_patches = self.patch_resolution[0] * self.patch_resolution[1]
            self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, self.embed_dims))

        dpr = torch.linspace(0, drop_path_rate, self.num_layers).tolist()
        self.blocks = ModuleList()
        dims = [self.embed_dims]
        num_heads = self.arch_settings['num_heads']
        stride_kv = adaptive_kv_stride
        input_size = self.patch_resolution
        for i in range(self.num_layers):
            stride_q = 1
            if i in self.downscale_indices:
                num_heads *= head_mul
                stride_q = 2
                stride_kv = max(stride_kv // 2, 1)
            if (dim_mul_in_attention and i in self.downscale_indices) or (
                    not dim_mul_in_attention and i + 1 in self.downscale_indices):
                out_dims = dims[-1] * dim_mul
            else:
                out_dims = dims[-1]
            block = MultiScaleBlock(dims[-1], out_dims, num_heads, mlp_ratio, qkv_bias, dpr[i],
                                    norm_cfg, qkv_pool_kernel=pool_kernel, stride_q=stride_q,
                                    stride_kv=stride_kv, rel_pos_spatial=rel_pos_spatial,
                                    residual_pooling=residual_pooling,
                                    dim_mul_in_attention=dim_mul_in_attention,
                                    input_size=input_size, rel_pos_zero_init=rel_pos_zero_init)
            self.blocks.append(block)
            input_size = block.init_out_size
            dims.append(out_dims)
            if self.stage_indices.get(i) in self.out_scales:
                self.add_module(f'norm{self.stage_indices[i]}',
                                build_norm_layer(norm_cfg, out_dims)[1])
        self._apply_frozen_stages()

    def init_weights(self) -> None:
        super().init_weights()
        if has_pretrained_init(self.init_cfg):
            return
        if self.use_abs_pos_embed:
            trunc_normal_(self.pos_embed, std=0.02)

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages <= 0:
            return []
        return [self.patch_embed, *self.blocks[:self.frozen_stages]]

    def _frozen_params(self) -> List[nn.Parameter]:
        frozen = self.frozen_stages > 0 and self.use_abs_pos_embed
        return [self.pos_embed] if frozen else []

    def forward(self, x: torch.Tensor) -> tuple:
        x, patch_resolution = self.patch_embed(x)
        if self.use_abs_pos_embed:
            x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                     self.interpolate_mode, self.num_extra_tokens)
        outs = []
        for i, block in enumerate(self.blocks):
            x, patch_resolution = block(x, patch_resolution)
            scale = self.stage_indices.get(i)
            if scale in self.out_scales:
                B, _, C = x.shape
                x = getattr(self, f'norm{scale}')(x)
                outs.append(x.transpose(1, 2).reshape(B, C, *patch_resolution).contiguous())
        return tuple(outs)


__all__ = ['MViT']
