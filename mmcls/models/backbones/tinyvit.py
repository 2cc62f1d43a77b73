"""TinyViT (Wu et al. 2022): small hierarchical vision transformers for pre-training distillation.

A conv stem (two stride-2 conv-BN), an MBConv stage, then three stages of window attention with
LeViT-style relative position biases and a depth-wise "local conv" between attention and MLP.
Stages end in a conv patch-merging layer (1x1 -> stride-2 depth-wise 3x3 -> 1x1).
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


class ConvPatchEmbed(BaseModule):
    """Stem: conv-BN (stride 2) -> activation -> conv-BN (stride 2); returns (B, C, H/4, W/4)."""

    def __init__(self, in_channels: int, embed_dims: int,
                 act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        self.seq = nn.Sequential(
            ConvBN2d(in_channels, embed_dims // 2, kernel_size=3, stride=2, padding=1),
            build_activation_layer(act_cfg),
            ConvBN2d(embed_dims // 2, embed_dims, kernel_size=3, stride=2, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class ConvPatchMerging(BaseModule):
    """Halve the resolution: 1x1 conv -> act -> stride-2 depth-wise 3x3 -> act -> 1x1 conv.

    ``forward(x, hw)`` takes a (B, C, H, W) map or (B, H*W, C) tokens and returns
    ``(tokens, (H', W'))``.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        self.act = build_activation_layer(act_cfg)
        self.conv1 = ConvBN2d(in_channels, out_channels, kernel_size=1)
        self.conv2 = ConvBN2d(out_channels, out_channels, kernel_size=3, stride=2, padding=1,
                              groups=out_channels)
        self.conv3 = ConvBN2d(out_channels, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor,
                hw: Tuple[int, int]) -> Tuple[torch.Tensor, Tuple[int, int]]:
        if x.dim() == 3:
            x = _to_map(x, hw)
        x = self.conv3(self.act(self.conv2(self.act(self.conv1(x)))))
        return x.flatten(2).transpose(1, 2), (x.shape[2], x.shape[3])


class MBConvBlock(BaseModule):
    """Inverted residual: 1x1 expand -> act -> depth-wise 3x3 -> act -> 1x1, + input, act."""

    def __init__(self, channels: int, expand_ratio: float, drop_path: float = 0.,
                 act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        hidden = int(channels * expand_ratio)
        self.conv1 = ConvBN2d(channels, hidden, kernel_size=1)
        self.act = build_activation_layer(act_cfg)
        self.conv2 = ConvBN2d(hidden, hidden, kernel_size=3, padding=1, groups=hidden)
        self.conv3 = ConvBN2d(hidden, channels, kernel_size=1, bn_weight_init=0.0)
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


class TinyViTMLP(BaseModule):
    """LayerNorm -> fc1 -> act -> dropout -> fc2 -> dropout."""

    def __init__(self, in_channels: int, hidden_channels: int,
                 act_cfg: dict = dict(type='GELU'), drop: float = 0.) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(in_channels)
        self.fc1 = nn.Linear(in_channels, hidden_channels)
        self.fc2 = nn.Linear(hidden_channels, in_channels)
        self.act = build_activation_layer(act_cfg)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(self.norm(x))))))


class TinyViTBlock(BaseModule):
    """Window attention (padded to whole windows) -> depth-wise local conv -> MLP."""

    def __init__(self, channels: int, num_heads: int, window_size: int = 7,
                 mlp_ratio: float = 4., drop: float = 0., drop_path: float = 0.,
                 local_conv_size: int = 3, act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(f'TinyViTBlock: channels {channels} is not divisible by num_heads '
                             f'{num_heads}')
        if window_size <= 0:
            raise ValueError(f'TinyViTBlock: window_size must be positive, got {window_size}')
        self.window_size = window_size
        self.drop_path = DropPath(drop_path) if drop_path > 0 else nn.Identity()
        self.attn = LeAttention(channels, channels // num_heads, num_heads, attn_ratio=1,
                                resolution=(window_size, window_size))
        self.mlp = TinyViTMLP(channels, int(channels * mlp_ratio), act_cfg=act_cfg, drop=drop)
        self.local_conv = ConvBN2d(channels, channels, kernel_size=local_conv_size,
                                   padding=local_conv_size // 2, groups=channels)

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

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        if x.shape[1] != hw[0] * hw[1]:
            raise ValueError(f'TinyViTBlock got {x.shape[1]} tokens for grid {hw}')
        x = x + self.drop_path(self._window_attention(x, hw))
        x = self.local_conv(_to_map(x, hw)).flatten(2).transpose(1, 2)
        return x + self.drop_path(self.mlp(x))


class TinyViTStage(BaseModule):
    """A stage of MBConv blocks (``conv=True``) or TinyViT blocks, then optional patch merging.

    ``forward(x, hw)`` returns ``(x, hw)``; the output is tokens when there is a downsample.
    """

    def __init__(self, blocks: List[nn.Module], downsample: Optional[nn.Module],
                 conv: bool, with_cp: bool = False) -> None:
        super().__init__()
        self.blocks = ModuleList(blocks)
        self.downsample = downsample
        self.conv = conv
        self.with_cp = with_cp

    def forward(self, x: torch.Tensor,
                hw: Tuple[int, int]) -> Tuple[torch.Tensor, Tuple[int, int]]:
        for block in self.blocks:
            args = (x, ) if self.conv else (x, hw)
            x = checkpointed(block, *args, with_cp=self.with_cp)
        if self.downsample is not None:
            x, hw = self.downsample(x, hw)
        return x, hw


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

        self.patch_embed = ConvPatchEmbed(in_channels, self.channels[0], act_cfg=act_cfg)
        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = ModuleList()
        for i, (channels, depth) in enumerate(zip(self.channels, self.depths)):
            rates = dpr[sum(self.depths[:i]):sum(self.depths[:i + 1])]
            out_channels = self.channels[min(i + 1, self.num_stages - 1)]
            if i == 0:
                blocks = [MBConvBlock(channels, mbconv_expand_ratio, rates[j], act_cfg)
                          for j in range(depth)]
            else:
                blocks = [TinyViTBlock(channels, num_heads[i], self.window_size[i], mlp_ratio,
                                       drop_rate, rates[j], local_conv_size, act_cfg)
                          for j in range(depth)]
            downsample = (ConvPatchMerging(channels, out_channels, act_cfg)
                          if i < self.num_stages - 1 else None)
            self.stages.append(TinyViTStage(blocks, downsample, conv=i == 0, with_cp=with_cp))
            if i in self.out_indices:
                self.add_module(f'norm{i}', build_norm_layer(norm_cfg, out_channels)[1])
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
