"""TinyViT (Wu et al. 2022): small hierarchical vision transformers for pre-training distillation.

A conv stem (two stride-2 conv-BN), an MBConv stage, then three stages of window attention with
LeViT-style relative position biases and a depth-wise "local conv" between attention and MLP.
Stages end in a conv patch-merging layer (1x1 -> stride-2 depth-wise 3x3 -> 1x1).

Parts: ``PatchEmbed`` (stem), ``ConvStage`` of ``MBConvBlock``, ``BasicStage`` of ``TinyViTBlock``
(``LeAttention`` + local conv + ``MLP``) and ``PatchMerging`` between stages.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from ..utils.activation import build_activation_layer
from ..utils.attention_bias import BiasedAttention
from ..utils.base_module import BaseModule, ModuleList, Sequential
from ..utils.drop import DropPath
from ..utils.grad_checkpoint import checkpointed
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.reparam import fuse_conv_bn
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch

arch_settings = {
    '5m': dict(channels=[64, 128, 160, 320], num_heads=[2, 4, 5, 10], depths=[2, 2, 6, 2]),
    '11m': dict(channels=[64, 128, 256, 448], num_heads=[2, 4, 8, 14], depths=[2, 2, 6, 2]),
    '21m': dict(channels=[96, 192, 384, 576], num_heads=[3, 6, 12, 18], depths=[2, 2, 6, 2]),
}


class ConvBN2d(Sequential):
    """``conv2d`` (no bias) followed by ``bn2d``; ``bn_weight_init`` sets the BN scale.

    :meth:`fuse` returns the single biased convolution equal to the pair in eval mode.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 1,
                 stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1,
                 bn_weight_init: float = 1.0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.add_module('conv2d', nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                                            padding, dilation=dilation, groups=groups,
                                            bias=False))
        bn = nn.BatchNorm2d(out_channels)
        nn.init.constant_(bn.weight, bn_weight_init)
        nn.init.constant_(bn.bias, 0)
        self.add_module('bn2d', bn)

    @torch.no_grad()
    def fuse(self) -> nn.Conv2d:
        """A new ``nn.Conv2d`` (with bias) computing ``bn2d(conv2d(x))`` with the current
        BN statistics; the module itself is left unchanged."""
        conv = self.conv2d
        weight, bias = fuse_conv_bn(conv.weight, self.bn2d)
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                          stride=conv.stride, padding=conv.padding, dilation=conv.dilation,
                          groups=conv.groups).to(weight)
        fused.weight.copy_(weight)
        fused.bias.copy_(bias)
        return fused


def _to_map(x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
    """(B, H*W, C) tokens -> (B, C, H, W)."""
    return x.transpose(1, 2).reshape(x.shape[0], -1, *hw)


def _pair_resolution(resolution: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """``resolution`` as an ``(height, width)`` tuple of ints."""
    height, width = to_2tuple(resolution)
    return int(height), int(width)


class PatchEmbed(BaseModule):
    """Stem: conv-BN (stride 2) -> activation -> conv-BN (stride 2); returns (B, C, H/4, W/4).

    ``resolution`` is the input image size the model is built for; it sets
    ``patches_resolution`` (the output grid at that size) and ``num_patches``. Other input
    sizes work too: the output grid follows the input.
    """

    def __init__(self, in_channels: int, embed_dim: int, resolution: Union[int, Sequence[int]],
                 act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        height, width = _pair_resolution(resolution)
        self.patches_resolution = (height // 4, width // 4)
        self.num_patches = self.patches_resolution[0] * self.patches_resolution[1]
        self.in_channels = in_channels
        self.embed_dim = embed_dim
        self.seq = nn.Sequential(
            ConvBN2d(in_channels, embed_dim // 2, kernel_size=3, stride=2, padding=1),
            build_activation_layer(act_cfg),
            ConvBN2d(embed_dim // 2, embed_dim, kernel_size=3, stride=2, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class PatchMerging(BaseModule):
    """Halve the resolution: 1x1 conv -> act -> stride-2 depth-wise 3x3 -> act -> 1x1 conv.

    ``forward(x, hw)`` takes a (B, C, H, W) map or (B, H*W, C) tokens and returns
    ``(tokens, (H', W'))`` with ``H' = ceil(H / 2)``; ``hw`` defaults to ``resolution``, the grid
    the layer is built for, whose output grid is ``out_resolution``.
    """

    def __init__(self, resolution: Union[int, Sequence[int]], in_channels: int,
                 out_channels: int, act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        self.resolution = _pair_resolution(resolution)
        self.out_resolution = tuple((size + 1) // 2 for size in self.resolution)
        self.act = build_activation_layer(act_cfg)
        self.conv1 = ConvBN2d(in_channels, out_channels, kernel_size=1)
        self.conv2 = ConvBN2d(out_channels, out_channels, kernel_size=3, stride=2, padding=1,
                              groups=out_channels)
        self.conv3 = ConvBN2d(out_channels, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor, hw: Optional[Tuple[int, int]] = None
                ) -> Tuple[torch.Tensor, Tuple[int, int]]:
        if x.dim() == 3:
            x = _to_map(x, hw or self.resolution)
        x = self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))
        return x.flatten(2).transpose(1, 2), (x.shape[2], x.shape[3])


class MBConvBlock(BaseModule):
    """Inverted residual: 1x1 expand -> act -> depth-wise 3x3 -> act -> 1x1, + input, act.

    The hidden width is ``int(in_channels * expand_ratio)``; the residual sum needs
    ``out_channels == in_channels``.
    """

    def __init__(self, in_channels: int, out_channels: int, expand_ratio: float,
                 drop_path: float, act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        if out_channels != in_channels:
            raise ValueError(f'MBConvBlock: the residual needs out_channels == in_channels, '
                             f'got {out_channels} and {in_channels}')
        self.in_channels = in_channels
        hidden = int(in_channels * expand_ratio)
        self.conv1 = ConvBN2d(in_channels, hidden, kernel_size=1)
        self.act = build_activation_layer(act_cfg)
        self.conv2 = ConvBN2d(hidden, hidden, kernel_size=3, padding=1, groups=hidden)
        self.conv3 = ConvBN2d(hidden, out_channels, kernel_size=1, bn_weight_init=0.0)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))
        return self.act(x + self.drop_path(out))


class LeAttention(BiasedAttention):
    """Pre-norm attention with a learnt bias per head and per |row offset|, |col offset| pair.

    ``qkv`` is laid out per head as ``[q (key_dim), k (key_dim), v (attn_ratio*key_dim)]``.
    """

    def __init__(self, dim: int, key_dim: int, num_heads: int = 8, attn_ratio: float = 4,
                 resolution: Tuple[int, int] = (14, 14), init_cfg=None) -> None:
        super().__init__(key_dim, num_heads, attn_ratio, init_cfg)
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, self.dh + 2 * key_dim * num_heads)
        self.proj = nn.Linear(self.dh, dim)
        if resolution[0] != resolution[1]:
            raise ValueError(f'LeAttention: the window must be square, got {resolution}')
        self._init_biases(num_heads, resolution[0], resolution[0], 1, persistent=False)
        # Eval-mode cache of the gathered bias (as MMClassification does): filled by
        # ``train(False)`` and refreshed whenever a state dict is loaded.
        self.register_buffer('ab', None, persistent=False)
        self.register_load_state_dict_post_hook(lambda module, _: module._refresh_cache())

    def _refresh_cache(self) -> None:
        with torch.no_grad():
            self.ab = (None if self.training else
                       self.attention_biases[:, self.attention_bias_idxs].detach().clone())

    def train(self, mode: bool = True) -> 'LeAttention':
        super().train(mode)
        self._refresh_cache()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, _ = x.shape
        qkv = self.qkv(self.norm(x)).view(batch, tokens, self.num_heads, -1)
        q, k, v = qkv.split([self.key_dim, self.key_dim, self.d], dim=3)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        bias = self.ab if self.ab is not None and not self.training else (
            self.attention_biases[:, self.attention_bias_idxs])
        bias = bias.to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, scale=self.scale)
        return self.proj(out.transpose(1, 2).reshape(batch, tokens, self.dh))


class MLP(BaseModule):
    """LayerNorm -> fc1 -> act -> dropout -> fc2 -> dropout.

    ``hidden_channels`` and ``out_channels`` default to ``in_channels``.
    """

    def __init__(self, in_channels: int, hidden_channels: Optional[int] = None,
                 out_channels: Optional[int] = None, act_cfg: dict = dict(type='GELU'),
                 drop: float = 0., init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden_channels = hidden_channels or in_channels
        self.norm = nn.LayerNorm(in_channels)
        self.fc1 = nn.Linear(in_channels, hidden_channels)
        self.fc2 = nn.Linear(hidden_channels, out_channels or in_channels)
        self.act = build_activation_layer(act_cfg)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(self.norm(x))))))


class TinyViTBlock(BaseModule):
    """Window attention (padded to whole windows) -> depth-wise local conv -> MLP.

    ``forward(x, hw)`` takes (B, H*W, C) tokens on an ``hw`` grid, by default ``resolution``
    (the grid the block is built for), and returns tokens of the same shape.
    """

    def __init__(self, in_channels: int, resolution: Union[int, Sequence[int]],
                 num_heads: int, window_size: int = 7, mlp_ratio: float = 4.,
                 drop: float = 0., drop_path: float = 0., local_conv_size: int = 3,
                 act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        if in_channels % num_heads:
            raise ValueError(f'TinyViTBlock: in_channels {in_channels} is not divisible by '
                             f'num_heads {num_heads}')
        if window_size <= 0:
            raise ValueError(f'TinyViTBlock: window_size must be positive, got {window_size}')
        self.in_channels = in_channels
        self.resolution = _pair_resolution(resolution)
        self.num_heads = num_heads
        self.window_size = window_size
        self.mlp_ratio = mlp_ratio
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.attn = LeAttention(in_channels, in_channels // num_heads, num_heads, attn_ratio=1,
                                resolution=(window_size, window_size))
        self.mlp = MLP(in_channels, int(in_channels * mlp_ratio), act_cfg=act_cfg, drop=drop)
        self.local_conv = ConvBN2d(in_channels, in_channels, kernel_size=local_conv_size,
                                   padding=local_conv_size // 2, groups=in_channels)

    def _window_attention(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        batch, tokens, channels = x.shape
        height, width = hw
        ws = self.window_size
        if height == ws and width == ws:
            return self.attn(x)
        pad_b, pad_r = (ws - height % ws) % ws, (ws - width % ws) % ws
        x = F.pad(x.view(batch, height, width, channels), (0, 0, 0, pad_r, 0, pad_b))
        rows, cols = (height + pad_b) // ws, (width + pad_r) // ws
        x = x.view(batch, rows, ws, cols, ws, channels).transpose(2, 3)
        x = self.attn(x.reshape(batch * rows * cols, ws * ws, channels))
        x = x.view(batch, rows, cols, ws, ws, channels).transpose(2, 3)
        x = x.reshape(batch, rows * ws, cols * ws, channels)[:, :height, :width]
        return x.reshape(batch, tokens, channels)

    def forward(self, x: torch.Tensor, hw: Optional[Tuple[int, int]] = None) -> torch.Tensor:
        hw = hw or self.resolution
        if x.shape[1] != hw[0] * hw[1]:
            raise ValueError(f'TinyViTBlock got {x.shape[1]} tokens for grid {hw}')
        x = x + self.drop_path(self._window_attention(x, hw))
        x = self.local_conv(_to_map(x, hw)).flatten(2).transpose(1, 2)
        return x + self.drop_path(self.mlp(x))


class _Stage(BaseModule):
    """Blocks of one kind, then an optional downsample built from the class ``downsample``
    (called as ``downsample(resolution=, in_channels=, out_channels=, act_cfg=)``).

    ``forward(x, hw)`` returns ``(x, hw)``: the output is tokens when there is a downsample.
    ``hw`` defaults to ``resolution``; ``self.resolution`` is the output grid at that input.
    """
    takes_grid = True  # whether the blocks are called as ``block(x, hw)``

    def __init__(self, blocks: List[nn.Module], in_channels: int,
                 resolution: Union[int, Sequence[int]], downsample: Optional[type],
                 use_checkpoint: bool, out_channels: Optional[int], act_cfg: dict,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_resolution = _pair_resolution(resolution)
        self.with_cp = use_checkpoint
        self.blocks = ModuleList(blocks)
        self.downsample = None if downsample is None else downsample(
            resolution=self.in_resolution, in_channels=in_channels,
            out_channels=out_channels or in_channels, act_cfg=act_cfg)
        self.resolution = (self.in_resolution if self.downsample is None else
                           tuple(self.downsample.out_resolution))

    @property
    def use_checkpoint(self) -> bool:
        """Whether each block is gradient-checkpointed (the same flag as ``with_cp``)."""
        return self.with_cp

    def forward(self, x: torch.Tensor, hw: Optional[Tuple[int, int]] = None
                ) -> Tuple[torch.Tensor, Tuple[int, int]]:
        hw = hw or self.in_resolution
        for block in self.blocks:
            args = (x, hw) if self.takes_grid else (x, )
            x = checkpointed(block, *args, with_cp=self.with_cp)
        if self.downsample is not None:
            x, hw = self.downsample(x, hw)
        return x, hw


def _per_block(drop_path: Union[float, Sequence[float]], depth: int) -> List[float]:
    """The drop-path rate of each of ``depth`` blocks: a list as given, a float for all."""
    if isinstance(drop_path, (list, tuple)):
        if len(drop_path) != depth:
            raise ValueError(f'{len(drop_path)} drop-path rates for {depth} blocks')
        return list(drop_path)
    return [drop_path] * depth


class ConvStage(_Stage):
    """``depth`` MBConv blocks on a (B, C, H, W) map, then an optional downsample.

    ``drop_path`` is one rate per block or a single rate for all of them.
    """
    takes_grid = False

    def __init__(self, in_channels: int, resolution: Union[int, Sequence[int]], depth: int,
                 act_cfg: dict, drop_path: Union[float, Sequence[float]] = 0.,
                 downsample: Optional[type] = None, use_checkpoint: bool = False,
                 out_channels: Optional[int] = None, conv_expand_ratio: float = 4.,
                 init_cfg=None) -> None:
        blocks = [MBConvBlock(in_channels, in_channels, conv_expand_ratio, rate, act_cfg)
                  for rate in _per_block(drop_path, depth)]
        super().__init__(blocks, in_channels, resolution, downsample, use_checkpoint,
                         out_channels, act_cfg, init_cfg)


class BasicStage(_Stage):
    """``depth`` TinyViT blocks on (B, H*W, C) tokens, then an optional downsample.

    ``drop_path`` is one rate per block or a single rate for all of them.
    """

    def __init__(self, in_channels: int, resolution: Union[int, Sequence[int]], depth: int,
                 num_heads: int, window_size: int, mlp_ratio: float = 4., drop: float = 0.,
                 drop_path: Union[float, Sequence[float]] = 0.,
                 downsample: Optional[type] = None, use_checkpoint: bool = False,
                 local_conv_size: int = 3, out_channels: Optional[int] = None,
                 act_cfg: dict = dict(type='GELU'), init_cfg=None) -> None:
        blocks = [TinyViTBlock(in_channels, resolution, num_heads, window_size, mlp_ratio,
                               drop, rate, local_conv_size, act_cfg)
                  for rate in _per_block(drop_path, depth)]
        super().__init__(blocks, in_channels, resolution, downsample, use_checkpoint,
                         out_channels, act_cfg, init_cfg)


@MODELS.register_module()
class TinyViT(BaseBackbone):
    """TinyViT backbone.

    Args:
        arch: ``'5m'``, ``'11m'``, ``'21m'`` or a dict with channels, num_heads, depths.
        img_size: the training resolution (kept for reference; any multiple of 32 works).
        window_size: attention window of each stage (stage 0 is convolutional).
        out_indices: stages whose output gets a ``norm{i}`` LayerNorm and is returned.
        gap_before_final_norm: return the normalised mean token (B, C) instead of a
            (B, C, H, W) map.
        frozen_stages: freeze the stem and the first N stages.
        with_cp: gradient checkpointing of each block (``use_checkpoint`` is its
            MMClassification 1.x name; either turns it on).
        layer_lr_decay: only 1.0 (for MMClassification 1.x configs, where it had no effect);
            layer-wise learning-rate decay is set in the optimizer:
            ``optim_wrapper=dict(constructor='LearningRateDecayOptimWrapperConstructor',
            paramwise_cfg=dict(layer_decay_rate=...))``.
    """
    num_extra_tokens = 0  # no class token
    arch_settings = arch_settings
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = '5m',
                 img_size: Union[int, Sequence[int]] = (224, 224),
                 window_size: Sequence[int] = (7, 7, 14, 7),
                 in_channels: int = 3,
                 mlp_ratio: float = 4.,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.1,
                 with_cp: bool = False,
                 mbconv_expand_ratio: float = 4.0,
                 local_conv_size: int = 3,
                 use_checkpoint: bool = False,
                 layer_lr_decay: float = 1.0,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 gap_before_final_norm: bool = True,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if layer_lr_decay != 1.0:
            raise ValueError(
                f'TinyViT: layer_lr_decay={layer_lr_decay!r} is not applied by the backbone; '
                "use optim_wrapper=dict(constructor='LearningRateDecayOptimWrapperConstructor', "
                'paramwise_cfg=dict(layer_decay_rate=...)) instead')
        self.layer_lr_decay = layer_lr_decay
        with_cp = with_cp or use_checkpoint
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'TinyViT')
        self.channels = list(self.arch_settings['channels'])
        self.depths = list(self.arch_settings['depths'])
        num_heads = self.arch_settings['num_heads']
        self.num_stages = len(self.channels)
        if len(window_size) != self.num_stages:
            raise ValueError(f'TinyViT: window_size needs {self.num_stages} values, got '
                             f'{window_size!r}')
        self.window_size = list(window_size)
        self.img_size = to_2tuple(img_size)
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, 'TinyViT')
        self.frozen_stages = frozen_stages
        self.gap_before_final_norm = gap_before_final_norm

        self.patch_embed = PatchEmbed(in_channels, self.channels[0], self.img_size,
                                      act_cfg=act_cfg)
        grid = self.patch_embed.patches_resolution
        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = ModuleList()
        for i, (channels, depth) in enumerate(zip(self.channels, self.depths)):
            common = dict(
                in_channels=channels, resolution=(grid[0] // 2**i, grid[1] // 2**i), depth=depth,
                drop_path=dpr[sum(self.depths[:i]):sum(self.depths[:i + 1])],
                downsample=PatchMerging if i < self.num_stages - 1 else None,
                use_checkpoint=with_cp, act_cfg=act_cfg,
                out_channels=self.channels[min(i + 1, self.num_stages - 1)])
            if i == 0:
                stage = ConvStage(conv_expand_ratio=mbconv_expand_ratio, **common)
            else:
                stage = BasicStage(num_heads=num_heads[i], window_size=self.window_size[i],
                                   mlp_ratio=mlp_ratio, drop=drop_rate,
                                   local_conv_size=local_conv_size, **common)
            self.stages.append(stage)
            if i in self.out_indices:
                self.add_module(f'norm{i}',
                                build_norm_layer(norm_cfg, common['out_channels'])[1])
        self._apply_frozen_stages()

    def set_layer_lr_decay(self, layer_lr_decay: float) -> None:
        """Accepted for API compatibility and does nothing: the backbone sets no per-layer
        learning rates (configure layer-wise decay in the optimizer settings instead)."""

    def _frozen_modules(self) -> List[nn.Module]:
        # frozen_stages=0 (the default) freezes nothing, not even the stem
        if self.frozen_stages <= 0:
            return []
        return [self.patch_embed, *self.stages[:self.frozen_stages]]

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.patch_embed(x)
        hw = (x.shape[2], x.shape[3])
        outs = []
        for i, stage in enumerate(self.stages):
            x, hw = stage(x, hw)
            if i not in self.out_indices:
                continue
            norm = getattr(self, f'norm{i}')
            tokens = x.flatten(2).transpose(1, 2) if x.dim() == 4 else x
            if self.gap_before_final_norm:
                outs.append(norm(tokens.mean(1)))
            else:
                outs.append(_to_map(norm(tokens), hw))
        return tuple(outs)


__all__ = ['TinyViT']
