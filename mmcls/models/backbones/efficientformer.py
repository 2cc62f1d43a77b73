"""EfficientFormer: vision transformers at MobileNet speed (Li et al., 2022).

A conv stem, four stages of MetaFormer blocks with pooling token mixers on (B, C, H, W) maps
(``Meta4D``), and, at the end of the last stage, ``vit_num`` attention blocks on (B, N, C)
tokens (``Meta3D``) whose attention has learned per-offset biases.
"""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.attention_bias import BiasedAttention
from ..utils.base_module import BaseModule, ModuleList, Sequential
from ..utils.conv_module import ConvModule
from ..utils.drop import DropPath
from ..utils.layer_scale import LayerScale
from ..utils.norm import build_norm_layer
from .base_backbone import (BaseBackbone, normalize_out_indices, resolve_arch,
                            stem_and_stages)
from .poolformer import Pooling

arch_settings = {
    'l1': dict(layers=[3, 2, 6, 4], embed_dims=[48, 96, 224, 448],
               downsamples=[False, True, True, True], vit_num=1),
    'l3': dict(layers=[4, 4, 12, 6], embed_dims=[64, 128, 320, 512],
               downsamples=[False, True, True, True], vit_num=4),
    'l7': dict(layers=[6, 6, 18, 8], embed_dims=[96, 192, 384, 768],
               downsamples=[False, True, True, True], vit_num=8),
}


class AttentionWithBias(BiasedAttention):
    """Multi-head self-attention on a ``resolution`` x ``resolution`` token grid with a learned
    bias per head and relative offset; values are ``attn_ratio`` x wider than keys."""

    def __init__(self, embed_dims: int, num_heads: int = 8, key_dim: int = 32,
                 attn_ratio: float = 4., resolution: int = 7, init_cfg=None) -> None:
        super().__init__(key_dim, num_heads, attn_ratio, init_cfg=init_cfg)
        self.qkv = nn.Linear(embed_dims, self.dh + 2 * key_dim * num_heads)
        self.proj = nn.Linear(self.dh, embed_dims)
        self._init_biases(num_heads, resolution, resolution, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, _ = x.shape
        qkv = self.qkv(x).reshape(B, N, self.num_heads, -1).permute(0, 2, 1, 3)
        q, k, v = qkv.split([self.key_dim, self.key_dim, self.d], dim=-1)
        return self.proj(self._attend(q, k, v).transpose(1, 2).reshape(B, N, self.dh))


class Flat(nn.Module):
    """(B, C, H, W) -> (B, H*W, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(2).transpose(1, 2)


class LinearMlp(BaseModule):
    """Token MLP ``fc1 -> act -> drop -> fc2 -> drop`` on (B, N, C); the hidden and output
    widths default to ``in_features``."""

    def __init__(self, in_features: int, hidden_features: Optional[int] = None,
                 out_features: Optional[int] = None, act_cfg: dict = dict(type='GELU'),
                 drop: float = 0., init_cfg=None) -> None:
        super().__init__(init_cfg)
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = build_activation_layer(act_cfg)
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_features, out_features or in_features)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class ConvMlp(BaseModule):
    """1x1-conv MLP with batch norms, ``norm1(fc1) -> act -> norm2(fc2)`` on (B, C, H, W); the
    hidden and output widths default to ``in_features``."""

    def __init__(self, in_features: int, hidden_features: Optional[int] = None,
                 out_features: Optional[int] = None, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='GELU'), drop: float = 0., init_cfg=None) -> None:
        super().__init__(init_cfg)
        hidden_features = hidden_features or in_features
        out_features = out_features or in_features
        self.fc1 = nn.Conv2d(in_features, hidden_features, 1)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Conv2d(hidden_features, out_features, 1)
        self.norm1 = build_norm_layer(norm_cfg, hidden_features)[1]
        self.norm2 = build_norm_layer(norm_cfg, out_features)[1]
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.act(self.norm1(self.fc1(x))))
        return self.drop(self.norm2(self.fc2(x)))


def _layer_scale(dim: int, enabled: bool, data_format: str) -> nn.Module:
    return LayerScale(dim, data_format=data_format) if enabled else nn.Identity()


class Meta3D(BaseModule):
    """Attention MetaFormer block on tokens (B, N, C): pre-norm attention and MLP."""

    def __init__(self, dim: int, mlp_ratio: float = 4., norm_cfg: dict = dict(type='LN'),
                 act_cfg: dict = dict(type='GELU'), drop: float = 0., drop_path: float = 0.,
                 use_layer_scale: bool = True, resolution: int = 7, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.token_mixer = AttentionWithBias(dim, resolution=resolution)
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.mlp = LinearMlp(dim, int(dim * mlp_ratio), act_cfg=act_cfg, drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.ls1 = _layer_scale(dim, use_layer_scale, 'channels_last')
        self.ls2 = _layer_scale(dim, use_layer_scale, 'channels_last')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.ls1(self.token_mixer(self.norm1(x))))
        return x + self.drop_path(self.ls2(self.mlp(self.norm2(x))))


class Meta4D(BaseModule):
    """Pooling MetaFormer block on feature maps (B, C, H, W)."""

    def __init__(self, dim: int, pool_size: int = 3, mlp_ratio: float = 4.,
                 act_cfg: dict = dict(type='GELU'), drop: float = 0., drop_path: float = 0.,
                 use_layer_scale: bool = True, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.token_mixer = Pooling(pool_size=pool_size)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio), act_cfg=act_cfg, drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.ls1 = _layer_scale(dim, use_layer_scale, 'channels_first')
        self.ls2 = _layer_scale(dim, use_layer_scale, 'channels_first')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.ls1(self.token_mixer(x)))
        return x + self.drop_path(self.ls2(self.mlp(x)))


def basic_blocks(in_channels: int,
                 out_channels: int,
                 index: int,
                 layers: Sequence[int],
                 pool_size: int = 3,
                 mlp_ratio: float = 4.,
                 act_cfg: dict = dict(type='GELU'),
                 drop_rate: float = .0,
                 drop_path_rate: float = 0.,
                 use_layer_scale: bool = True,
                 vit_num: int = 1,
                 has_downsamper: bool = False,
                 resolution: int = 7) -> Sequential:
    """Stage ``index`` of a network whose stages have ``layers`` blocks.

    An optional stride-2 conv-BN downsample (``has_downsamper``), then ``Meta4D`` blocks; in the
    last stage the final ``vit_num`` blocks are ``Meta3D`` attention blocks, preceded by a
    ``Flat`` that turns the (B, C, H, W) map into (B, N, C) tokens. Stochastic depth grows
    linearly with the block's position in the whole network, up to ``drop_path_rate``.
    """
    blocks: List[nn.Module] = []
    if has_downsamper:
        blocks.append(ConvModule(in_channels, out_channels, 3, stride=2, padding=1, bias=True,
                                 norm_cfg=dict(type='BN'), act_cfg=None))
    depth, total = layers[index], sum(layers)
    is_last = index == len(layers) - 1
    if is_last and vit_num == depth:
        blocks.append(Flat())
    for j in range(depth):
        dpr = drop_path_rate * (j + sum(layers[:index])) / max(total - 1, 1)
        if is_last and depth - j <= vit_num:
            blocks.append(Meta3D(out_channels, mlp_ratio, act_cfg=act_cfg, drop=drop_rate,
                                 drop_path=dpr, use_layer_scale=use_layer_scale,
                                 resolution=resolution))
        else:
            blocks.append(Meta4D(out_channels, pool_size, mlp_ratio, act_cfg, drop_rate, dpr,
                                 use_layer_scale))
            if is_last and depth - j - 1 == vit_num:
                blocks.append(Flat())
    return Sequential(*blocks)


@MODELS.register_module()
class EfficientFormer(BaseBackbone):
    """EfficientFormer backbone.

    Args:
        arch: 'l1', 'l3', 'l7' or a dict with ``layers``, ``embed_dims``, ``downsamples`` (per
            stage) and ``vit_num`` (attention blocks at the end of the last stage).
        in_channels: input image channels.
        pool_size: pooling window of the Meta4D blocks.
        mlp_ratios: hidden width ratio of every MLP.
        reshape_last_feat: return the last stage as (B, C, H, W) (dense tasks) instead of the
            classification layout (B, C, N) when it ends with attention blocks.
        out_indices: stages to return, each through its own norm (``norm{i}``).
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages (-1: none).
        act_cfg: activation of the MLPs.
        drop_rate: dropout in the MLPs.
        drop_path_rate: stochastic depth, increasing linearly over all blocks.
        use_layer_scale: scale each residual branch by a learned per-channel factor.
        resolution: side of the token grid the attention biases are laid out for.
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'l1',
                 in_channels: int = 3,
                 pool_size: int = 3,
                 mlp_ratios: float = 4,
                 reshape_last_feat: bool = False,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = -1,
                 act_cfg: dict = dict(type='GELU'),
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 use_layer_scale: bool = True,
                 resolution: int = 7,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        arch = resolve_arch(arch, arch_settings, 'EfficientFormer')
        self.layers = list(arch['layers'])
        self.embed_dims = list(arch['embed_dims'])
        self.downsamples = list(arch['downsamples'])
        self.vit_num = arch['vit_num']
        if not len(self.layers) == len(self.embed_dims) == len(self.downsamples):
            raise ValueError('EfficientFormer: arch layers, embed_dims and downsamples must have '
                             'the same length')
        if not 0 <= self.vit_num <= self.layers[-1]:
            raise ValueError(f'EfficientFormer: vit_num must be in [0, {self.layers[-1]}], '
                             f'got {self.vit_num}')
        self.num_extra_tokens = 0
        self.reshape_last_feat = reshape_last_feat
        self.frozen_stages = frozen_stages

        stem = self.embed_dims[0]
        self.patch_embed = Sequential(
            ConvModule(in_channels, stem // 2, 3, stride=2, padding=1, bias=True,
                       norm_cfg=dict(type='BN')),
            ConvModule(stem // 2, stem, 3, stride=2, padding=1, bias=True,
                       norm_cfg=dict(type='BN')))

        self.network = ModuleList(
            basic_blocks(self.embed_dims[i - 1] if i else self.embed_dims[i], self.embed_dims[i],
                         i, self.layers, pool_size=pool_size, mlp_ratio=mlp_ratios,
                         act_cfg=act_cfg, drop_rate=drop_rate, drop_path_rate=drop_path_rate,
                         use_layer_scale=use_layer_scale, vit_num=self.vit_num,
                         has_downsamper=self.downsamples[i], resolution=resolution)
            for i in range(len(self.layers)))

        self.out_indices = normalize_out_indices(out_indices, len(self.layers), 'EfficientFormer')
        for i in self.out_indices:
            if i == len(self.layers) - 1 and self.vit_num > 0 and not reshape_last_feat:
                norm = build_norm_layer(dict(type='LN'), self.embed_dims[i])[1]
            else:  # GroupNorm with one group: a channel-first layer norm
                norm = build_norm_layer(dict(type='GN', num_groups=1), self.embed_dims[i])[1]
            self.add_module(f'norm{i}', norm)
        self._apply_frozen_stages()

    def forward_tokens(self, x: torch.Tensor) -> tuple:
        """Run the stages on the stem's output and return the normalised ``out_indices`` maps."""
        outs = []
        for i, stage in enumerate(self.network):
            H, W = x.shape[-2:]
            if self.downsamples[i]:
                H, W = (H + 1) // 2, (W + 1) // 2
            x = stage(x)
            if i not in self.out_indices:
                continue
            norm = getattr(self, f'norm{i}')
            if x.dim() == 3:  # tokens from the attention blocks of the last stage
                if self.reshape_last_feat:
                    out = norm(x.transpose(1, 2).reshape(x.shape[0], -1, H, W))
                else:
                    out = norm(x).transpose(1, 2)
            else:
                out = norm(x)
            outs.append(out.contiguous())
        return tuple(outs)

    def forward(self, x: torch.Tensor) -> tuple:
        return self.forward_tokens(self.patch_embed(x))

    def _frozen_modules(self) -> List[nn.Module]:
        modules = stem_and_stages(self.patch_embed, self.network, self.frozen_stages)
        return modules + [getattr(self, f'norm{i}') for i in self.out_indices
                          if i < self.frozen_stages]


__all__ = ['EfficientFormer', 'basic_blocks']
