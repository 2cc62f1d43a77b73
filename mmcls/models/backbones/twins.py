"""Twins (Chu et al. 2021): PCPVT and SVT pyramid vision transformers.

Both have four stages of ``PatchEmbed`` -> transformer layers, with a conditional position
encoding (PEG) after the first layer of each stage.  PCPVT uses global sub-sampled attention
(GSA: keys/values from a strided-conv-reduced grid) in every layer; SVT alternates locally-grouped
window attention (LSA, even layers) with GSA (odd layers).
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule, ModuleList
from ..utils.drop import DropPath
from ..utils.embed import PatchEmbed
from ..utils.ffn import FFN
from ..utils.norm import build_norm_layer
from ..utils.position_encoding import ConditionalPositionEncoding
from ..utils.weight_init import constant_init, normal_init, trunc_normal_init
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch

_PYRAMID = dict(patch_sizes=[4, 2, 2, 2], strides=[4, 2, 2, 2], sr_ratios=[8, 4, 2, 1])

pcpvt_arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims=[64, 128, 320, 512], depths=[3, 4, 6, 3],
                                         num_heads=[1, 2, 5, 8], mlp_ratios=[8, 8, 4, 4],
                                         **_PYRAMID)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=[64, 128, 320, 512], depths=[3, 4, 18, 3],
                                        num_heads=[1, 2, 5, 8], mlp_ratios=[8, 8, 4, 4],
                                        **_PYRAMID)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=[64, 128, 320, 512], depths=[3, 8, 27, 3],
                                         num_heads=[1, 2, 5, 8], mlp_ratios=[8, 8, 4, 4],
                                         **_PYRAMID)),
}

svt_arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims=[64, 128, 256, 512], depths=[2, 2, 10, 4],
                                         num_heads=[2, 4, 8, 16], mlp_ratios=[4, 4, 4, 4],
                                         window_sizes=[7, 7, 7, 7], **_PYRAMID)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=[96, 192, 384, 768], depths=[2, 2, 18, 2],
                                        num_heads=[3, 6, 12, 24], mlp_ratios=[4, 4, 4, 4],
                                        window_sizes=[7, 7, 7, 7], **_PYRAMID)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=[128, 256, 512, 1024], depths=[2, 2, 18, 2],
                                         num_heads=[4, 8, 16, 32], mlp_ratios=[4, 4, 4, 4],
                                         window_sizes=[7, 7, 7, 7], **_PYRAMID)),
}


class GlobalSubsampledAttention(BaseModule):
    """GSA: queries from every token, keys/values from a ``sr_ratio``-strided conv of the grid."""

    def __init__(self, embed_dims: int, num_heads: int, qkv_bias: bool = True,
                 attn_drop: float = 0., proj_drop: float = 0., sr_ratio: int = 1,
                 norm_cfg: dict = dict(type='LN'), init_cfg=None) -> None:
        super().__init__(init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'GSA: embed_dims {embed_dims} is not divisible by num_heads '
                             f'{num_heads}')
        self.num_heads = num_heads
        self.scale = (embed_dims // num_heads)**-0.5
        self.attn_drop = attn_drop
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)
        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.kv = nn.Linear(embed_dims, embed_dims * 2, bias=qkv_bias)
        self.sr_ratio = sr_ratio
        if sr_ratio > 1:
            self.sr = nn.Conv2d(embed_dims, embed_dims, kernel_size=sr_ratio, stride=sr_ratio)
            self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        batch, tokens, channels = x.shape
        q = self.q(x).reshape(batch, tokens, self.num_heads, -1).transpose(1, 2)
        if self.sr_ratio > 1:
            grid = x.transpose(1, 2).reshape(batch, channels, *hw_shape)
            x = self.norm(self.sr(grid).flatten(2).transpose(1, 2))
        kv = self.kv(x).reshape(batch, -1, 2, self.num_heads, channels // self.num_heads)
        k, v = kv.permute(2, 0, 3, 1, 4).unbind(0)
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, scale=self.scale)
        out = out.transpose(1, 2).reshape(batch, tokens, channels)
        return self.proj_drop(self.proj(out))


class LocallyGroupedSelfAttention(BaseModule):
    """LSA: self-attention inside non-overlapping ``window_size`` windows.

    The grid is zero-padded to a multiple of the window; padded and real tokens do not attend to
    each other. ``qk_scale`` overrides the ``head_dims ** -0.5`` scale; ``attn_drop_rate`` drops
    attention weights and ``proj_drop_rate`` the projected output.
    """

    def __init__(self, embed_dims: int, num_heads: int = 8, qkv_bias: bool = False,
                 qk_scale: Optional[float] = None, attn_drop_rate: float = 0.,
                 proj_drop_rate: float = 0., window_size: int = 1, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if embed_dims % num_heads:
            raise ValueError(f'LSA: embed_dims {embed_dims} is not divisible by num_heads '
                             f'{num_heads}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.scale = qk_scale or (embed_dims // num_heads)**-0.5
        self.attn_drop = attn_drop_rate  # dropout on the attention weights (training only)
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop_rate)
        self.window_size = window_size

    def _windows(self, x: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
        """(B, H, W, C) -> (B, rows*cols, ws*ws, C) windows."""
        ws = self.window_size
        batch, channels = x.shape[0], x.shape[-1]
        x = x.reshape(batch, rows, ws, cols, ws, channels).transpose(2, 3)
        return x.reshape(batch, rows * cols, ws * ws, channels)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        batch, tokens, channels = x.shape
        height, width = hw_shape
        ws = self.window_size
        pad_r = (ws - width % ws) % ws
        pad_b = (ws - height % ws) % ws
        x = F.pad(x.view(batch, height, width, channels), (0, 0, 0, pad_r, 0, pad_b))
        rows, cols = (height + pad_b) // ws, (width + pad_r) // ws

        mask = None
        if pad_r or pad_b:
            padded = torch.zeros(1, height + pad_b, width + pad_r, 1, device=x.device)
            padded[:, height:] = 1
            padded[:, :, width:] = 1
            padded = self._windows(padded, rows, cols)[..., 0]  # (1, windows, ws*ws)
            differs = padded.unsqueeze(2) != padded.unsqueeze(3)
            mask = torch.zeros(differs.shape, dtype=x.dtype, device=x.device)
            mask = mask.masked_fill(differs, -1000.0).unsqueeze(2)  # (1, windows, 1, n, n)

        qkv = self.qkv(self._windows(x, rows, cols))
        qkv = qkv.reshape(batch, rows * cols, ws * ws, 3, self.num_heads, -1)
        q, k, v = qkv.permute(3, 0, 1, 4, 2, 5).unbind(0)  # (B, windows, heads, n, head_dims)
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=drop,
                                             scale=self.scale)
        out = out.transpose(2, 3).reshape(batch, rows, cols, ws, ws, channels)
        out = out.transpose(2, 3).reshape(batch, rows * ws, cols * ws, channels)
        out = out[:, :height, :width].reshape(batch, tokens, channels)
        return self.proj_drop(self.proj(out))


class TwinsEncoderLayer(BaseModule):
    """Pre-norm layer ``x + attn(norm1(x))``, ``x + ffn(norm2(x))`` with GSA or LSA attention.

    ``attention`` is ``'gsa'`` (uses ``sr_ratio``) or ``'lsa'`` (uses ``window_size`` and
    ``qk_scale``); ``num_fcs`` is the number of linear layers of the FFN.
    """

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int,
                 attention: str = 'gsa', drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0., num_fcs: int = 2, qkv_bias: bool = True,
                 qk_scale: Optional[float] = None, sr_ratio: float = 1, window_size: int = 1,
                 act_cfg: dict = dict(type='GELU'), norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        if attention == 'gsa':
            self.attn = GlobalSubsampledAttention(
                embed_dims, num_heads, qkv_bias=qkv_bias, attn_drop=attn_drop_rate,
                proj_drop=drop_rate, sr_ratio=int(sr_ratio), norm_cfg=norm_cfg)
        elif attention == 'lsa':
            self.attn = LocallyGroupedSelfAttention(
                embed_dims, num_heads, qkv_bias=qkv_bias, qk_scale=qk_scale,
                attn_drop_rate=attn_drop_rate, proj_drop_rate=drop_rate,
                window_size=window_size)
        else:
            raise ValueError(f"TwinsEncoderLayer: attention must be 'gsa' or 'lsa', "
                             f'got {attention!r}')
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims=embed_dims, feedforward_channels=feedforward_channels,
                       num_fcs=num_fcs, ffn_drop=drop_rate, act_cfg=act_cfg, add_identity=False)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x), hw_shape))
        return x + self.drop_path(self.ffn(self.norm2(x)))


class GSAEncoderLayer(TwinsEncoderLayer):
    """A :class:`TwinsEncoderLayer` with global sub-sampled attention (keys/values from a
    ``sr_ratio``-strided conv of the grid)."""

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int,
                 drop_rate: float = 0., attn_drop_rate: float = 0., drop_path_rate: float = 0.,
                 num_fcs: int = 2, qkv_bias: bool = True, act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'), sr_ratio: float = 1.,
                 init_cfg=None) -> None:
        super().__init__(embed_dims, num_heads, feedforward_channels, attention='gsa',
                         drop_rate=drop_rate, attn_drop_rate=attn_drop_rate,
                         drop_path_rate=drop_path_rate, num_fcs=num_fcs, qkv_bias=qkv_bias,
                         sr_ratio=sr_ratio, act_cfg=act_cfg, norm_cfg=norm_cfg,
                         init_cfg=init_cfg)


class LSAEncoderLayer(TwinsEncoderLayer):
    """A :class:`TwinsEncoderLayer` with locally-grouped attention in ``window_size`` windows;
    ``qk_scale`` overrides the ``head_dims ** -0.5`` attention scale."""

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int,
                 drop_rate: float = 0., attn_drop_rate: float = 0., drop_path_rate: float = 0.,
                 num_fcs: int = 2, qkv_bias: bool = True, qk_scale: Optional[float] = None,
                 act_cfg: dict = dict(type='GELU'), norm_cfg: dict = dict(type='LN'),
                 window_size: int = 1, init_cfg=None) -> None:
        super().__init__(embed_dims, num_heads, feedforward_channels, attention='lsa',
                         drop_rate=drop_rate, attn_drop_rate=attn_drop_rate,
                         drop_path_rate=drop_path_rate, num_fcs=num_fcs, qkv_bias=qkv_bias,
                         qk_scale=qk_scale, window_size=window_size, act_cfg=act_cfg,
                         norm_cfg=norm_cfg, init_cfg=init_cfg)


@MODELS.register_module()
class PCPVT(BaseBackbone):
    """Twins-PCPVT backbone: a four-stage pyramid of GSA layers with PEG position encoding.

    Args:
        arch: ``'small'``/``'base'``/``'large'`` or a dict with embed_dims, depths, num_heads,
            patch_sizes, strides, mlp_ratios, sr_ratios (one entry per stage).
        out_indices: stages whose (B, C, H, W) map is returned.
        norm_after_stage: a bool, or one bool per stage, adding ``norm_after_stage{i}``.
        frozen_stages: freeze the patch embedding, PEG, layers and norm of the first N stages.

    The arch entries are kept as list attributes of their names, the stochastic depth of every
    layer as ``dpr``.
    """
    num_extra_tokens = 0  # no class token
    arch_zoo = pcpvt_arch_settings
    # keys a custom ``arch`` dict must have
    essential_keys = set(pcpvt_arch_settings['small'])

    @staticmethod
    def layer_attention(index: int) -> str:
        """The attention (``'gsa'`` or ``'lsa'``) of a stage's ``index``-th layer."""
        return 'gsa'

    def __init__(self,
                 arch: Union[str, dict] = 'small',
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 qkv_bias: bool = False,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN'),
                 norm_after_stage: Union[bool, List[bool]] = False,
                 frozen_stages: int = -1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        owner = type(self).__name__
        if isinstance(arch, dict) and not self.essential_keys <= set(arch):
            raise ValueError(f'{owner}: a custom arch needs the keys '
                             f'{sorted(self.essential_keys)}, got {sorted(arch)}')
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        settings = self.arch_settings
        self.num_stages = len(settings['depths'])
        for key, value in settings.items():
            if not isinstance(value, (list, tuple)) or len(value) != self.num_stages:
                raise ValueError(f'{owner}: arch entry {key!r} must be a list of '
                                 f'{self.num_stages} values, got {value!r}')
        # every arch entry (embed_dims, depths, num_heads, patch_sizes, strides, mlp_ratios,
        # sr_ratios and SVT's window_sizes) is also a list attribute of the same name
        for key in sorted(self.essential_keys):
            setattr(self, key, list(settings[key]))

        self.patch_embeds = ModuleList()
        self.position_encoding_drops = ModuleList()
        stage_in = in_channels
        for i, dims in enumerate(self.embed_dims):
            self.patch_embeds.append(PatchEmbed(
                in_channels=stage_in, embed_dims=dims, kernel_size=settings['patch_sizes'][i],
                stride=settings['strides'][i], padding='corner', norm_cfg=dict(type='LN')))
            self.position_encoding_drops.append(nn.Dropout(p=drop_rate))
            stage_in = dims
        self.position_encodings = ModuleList(
            ConditionalPositionEncoding(dims, dims) for dims in self.embed_dims)

        self.dpr = dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = ModuleList()
        cursor = 0
        for k, depth in enumerate(self.depths):
            dims = self.embed_dims[k]
            layers = ModuleList()
            for i in range(depth):
                common = dict(embed_dims=dims, num_heads=settings['num_heads'][k],
                              feedforward_channels=settings['mlp_ratios'][k] * dims,
                              drop_rate=drop_rate, attn_drop_rate=attn_drop_rate,
                              drop_path_rate=dpr[cursor + i], qkv_bias=qkv_bias,
                              norm_cfg=norm_cfg)
                if self.layer_attention(i) == 'gsa':
                    layers.append(GSAEncoderLayer(sr_ratio=settings['sr_ratios'][k], **common))
                else:
                    layers.append(LSAEncoderLayer(window_size=settings['window_sizes'][k],
                                                  **common))
            self.stages.append(layers)
            cursor += depth

        self.out_indices = normalize_out_indices(out_indices, self.num_stages, owner)
        if isinstance(norm_after_stage, bool):
            norm_after_stage = [norm_after_stage] * self.num_stages
        if len(norm_after_stage) != self.num_stages:
            raise ValueError(f'{owner}: norm_after_stage needs {self.num_stages} values, got '
                             f'{norm_after_stage!r}')
        if not all(isinstance(flag, bool) for flag in norm_after_stage):
            raise TypeError(f'{owner}: norm_after_stage must be a bool or a list of bools, got '
                            f'{norm_after_stage!r}')
        self.norm_after_stage = list(norm_after_stage)
        for i, has_norm in enumerate(self.norm_after_stage):
            norm = (build_norm_layer(norm_cfg, self.embed_dims[i])[1]
                    if has_norm and norm_cfg is not None else nn.Identity())
            self.add_module(f'norm_after_stage{i}', norm)
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    @property
    def num_stage(self) -> int:
        """The number of stages (another name of ``num_stages``)."""
        return self.num_stages

    def init_weights(self) -> None:
        """With no ``init_cfg``: truncated-normal linears, unit norms and fan-out normal convs
        (the official recipe); otherwise follow ``init_cfg``."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_init(m, std=.02, bias=0.)
            elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm)):
                constant_init(m, val=1.0, bias=0.)
            elif isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                normal_init(m, mean=0, std=math.sqrt(2.0 / fan_out), bias=0)

    def _frozen_modules(self) -> List[nn.Module]:
        return [module for i in range(min(self.frozen_stages, self.num_stages))
                for module in (self.patch_embeds[i], self.position_encoding_drops[i],
                               self.position_encodings[i], self.stages[i],
                               getattr(self, f'norm_after_stage{i}'))]

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        batch = x.shape[0]
        for i in range(self.num_stages):
            x, hw_shape = self.patch_embeds[i](x)
            x = self.position_encoding_drops[i](x)
            for j, layer in enumerate(self.stages[i]):
                x = layer(x, hw_shape)
                if j == 0:
                    x = self.position_encodings[i](x, hw_shape)
            x = getattr(self, f'norm_after_stage{i}')(x)
            x = x.reshape(batch, *hw_shape, -1).permute(0, 3, 1, 2).contiguous()
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@MODELS.register_module()
class SVT(PCPVT):
    """Twins-SVT backbone: like PCPVT, but even layers of each stage use window attention (LSA).

    ``arch`` dicts also need ``window_sizes`` (one per stage).
    """
    arch_zoo = svt_arch_settings
    essential_keys = set(svt_arch_settings['small'])

    @staticmethod
    def layer_attention(index: int) -> str:
        """Even layers of a stage use LSA, odd ones GSA."""
        return 'lsa' if index % 2 == 0 else 'gsa'


__all__ = ['PCPVT', 'SVT']
