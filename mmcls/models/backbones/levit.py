"""LeViT: a vision transformer in ConvNet's clothing (Graham et al., 2021).

A four-conv stem (16x downsampling), then three stages of attention + MLP residual blocks on
tokens, with linear layers followed by batch norm (foldable for deployment) and learned
attention biases indexed by the relative offset of the two positions.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.attention_bias import BiasedAttention
from ..utils.base_module import BaseModule, ModuleList, Sequential
from ..utils.conv import build_conv_layer
from ..utils.drop import DropPath
from ..utils.norm import build_norm_layer
from ..utils.reparam import fuse_conv_bn
from .base_backbone import BaseBackbone, normalize_out_indices, stem_and_stages
from .base_backbone import resolve_arch

arch_settings = {
    '128s': dict(embed_dims=[128, 256, 384], num_heads=[4, 6, 8], depths=[2, 3, 4],
                 key_dims=[16, 16, 16]),
    '128': dict(embed_dims=[128, 256, 384], num_heads=[4, 8, 12], depths=[4, 4, 4],
                key_dims=[16, 16, 16]),
    '192': dict(embed_dims=[192, 288, 384], num_heads=[3, 5, 6], depths=[4, 4, 4],
                key_dims=[32, 32, 32]),
    '256': dict(embed_dims=[256, 384, 512], num_heads=[4, 6, 8], depths=[4, 4, 4],
                key_dims=[32, 32, 32]),
    '384': dict(embed_dims=[384, 512, 768], num_heads=[6, 9, 12], depths=[4, 4, 4],
                key_dims=[32, 32, 32]),
}


def fuse_parameters(module: nn.Module) -> None:
    """Replace, recursively, every child that has a ``fuse()`` method by what it returns."""
    for name, child in module.named_children():
        if hasattr(child, 'fuse'):
            setattr(module, name, child.fuse())
        else:
            fuse_parameters(child)



def fuse_for_deploy(module: nn.Module) -> None:
    """Fold the batch norms of ``module`` (which has a ``deploy`` flag) into the preceding
    layers, once: a module already deployed is left as it is."""
    if not module.deploy:
        fuse_parameters(module)
        module.deploy = True


class ConvolutionBatchNorm(BaseModule):
    """Bias-free convolution followed by a norm (``conv`` / ``bn``).

    ``pad`` is the convolution's padding; ``conv_cfg`` (keyword only, default a plain
    ``nn.Conv2d``) picks the convolution type.
    """

    def __init__(self, in_channel: int, out_channel: int, kernel_size: int = 3,
                 stride: int = 2, pad: int = 1, dilation: int = 1, groups: int = 1,
                 norm_cfg: dict = dict(type='BN'), *, conv_cfg: Optional[dict] = None) -> None:
        super().__init__()
        self.conv = build_conv_layer(conv_cfg, in_channel, out_channel, kernel_size,
                                     stride=stride, padding=pad, dilation=dilation,
                                     groups=groups, bias=False)
        self.bn = build_norm_layer(norm_cfg, out_channel)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))

    @torch.no_grad()
    def fuse(self) -> nn.Conv2d:
        """A single convolution with bias computing the same map (eval statistics)."""
        conv = self.conv
        fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                          conv.padding, conv.dilation, conv.groups, bias=True).to(conv.weight)
        weight, bias = fuse_conv_bn(conv.weight, self.bn)
        fused.weight.copy_(weight)
        fused.bias.copy_(bias)
        return fused


class LinearBatchNorm(BaseModule):
    """Bias-free linear layer on tokens (B, N, C) followed by a 1-D norm (``norm_cfg``, batch
    norm by default) over channels."""

    def __init__(self, in_feature: int, out_feature: int,
                 norm_cfg: dict = dict(type='BN1d')) -> None:
        super().__init__()
        self.linear = nn.Linear(in_feature, out_feature, bias=False)
        self.bn = build_norm_layer(norm_cfg, out_feature)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.linear(x)
        return self.bn(x.flatten(0, 1)).reshape_as(x)

    @torch.no_grad()
    def fuse(self) -> nn.Linear:
        """A single linear layer with bias computing the same map (eval statistics)."""
        weight, bias = fuse_conv_bn(self.linear.weight[:, :, None, None], self.bn)
        fused = nn.Linear(self.linear.in_features, self.linear.out_features).to(weight)
        fused.weight.copy_(weight[:, :, 0, 0])
        fused.bias.copy_(bias)
        return fused


class HybridBackbone(BaseModule):
    """The LeViT stem: four conv-norm layers (widths embed_dim/8, /4, /2, embed_dim) with
    activations in between; each layer takes ``kernel_size``, ``stride``, ``pad``,
    ``dilation``, ``groups``, ``conv_cfg`` and ``norm_cfg`` (by default 3x3 stride-2, so the
    stem downsamples 16x)."""

    def __init__(self, embed_dim: int, kernel_size: int = 3, stride: int = 2, pad: int = 1,
                 dilation: int = 1, groups: int = 1, act_cfg: dict = dict(type='HSwish'),
                 conv_cfg: Optional[dict] = None, norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        channels = [3, embed_dim // 8, embed_dim // 4, embed_dim // 2, embed_dim]
        self.input_channels, self.output_channels = channels[:-1], channels[1:]
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.patch_embed = Sequential()
        for i in range(4):
            self.patch_embed.add_module(str(2 * i), ConvolutionBatchNorm(
                channels[i], channels[i + 1], kernel_size, stride, pad, dilation, groups,
                norm_cfg, conv_cfg=conv_cfg))
            if i < 3:
                self.patch_embed.add_module(str(2 * i + 1), build_activation_layer(act_cfg))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.patch_embed(x)


class Residual(BaseModule):
    """``x + drop_path(block(x))``."""

    def __init__(self, block: nn.Module, drop_path_rate: float = 0.) -> None:
        super().__init__()
        self.block = block
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop_path(self.block(x))


class Attention(BiasedAttention):
    """Multi-head self-attention with per-offset biases; values are ``attn_ratio`` x wider."""

    def __init__(self, dim: int, key_dim: int, num_heads: int = 8, attn_ratio: int = 4,
                 act_cfg: dict = dict(type='HSwish'), resolution: int = 14) -> None:
        super().__init__(key_dim, num_heads, attn_ratio)
        self.qkv = LinearBatchNorm(dim, self.dh + 2 * key_dim * num_heads)
        self.proj = nn.Sequential(build_activation_layer(act_cfg), LinearBatchNorm(self.dh, dim))
        self._init_biases(num_heads, resolution, resolution, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, _ = x.shape
        q, k, v = self.qkv(x).view(B, N, self.num_heads, -1).split(
            [self.key_dim, self.key_dim, self.d], dim=3)
        x = self._attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return self.proj(x.transpose(1, 2).reshape(B, N, self.dh))


class MLP(BaseModule):
    """LinearBatchNorm -> activation -> LinearBatchNorm, hidden width ``embed_dim * mlp_ratio``."""

    def __init__(self, embed_dim: int, mlp_ratio: int,
                 act_cfg: dict = dict(type='HSwish')) -> None:
        super().__init__()
        hidden = embed_dim * mlp_ratio
        self.linear1 = LinearBatchNorm(embed_dim, hidden)
        self.activation = build_activation_layer(act_cfg)
        self.linear2 = LinearBatchNorm(hidden, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear2(self.activation(self.linear1(x)))


class Subsample(nn.Module):
    """Keep every ``stride``-th token in both directions of a square token grid."""

    def __init__(self, stride: int, resolution: int) -> None:
        super().__init__()
        self.stride = stride
        self.resolution = resolution

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, _, C = x.shape
        x = x.view(B, self.resolution, self.resolution, C)[:, ::self.stride, ::self.stride]
        return x.reshape(B, -1, C)


class AttentionSubsample(BiasedAttention):
    """Attention whose queries come from a subsampled grid: halves the resolution and changes
    the width from ``in_dim`` to ``out_dim`` (the downsampling block between stages)."""

    def __init__(self, in_dim: int, out_dim: int, key_dim: int, num_heads: int = 8,
                 attn_ratio: int = 2, act_cfg: dict = dict(type='HSwish'), stride: int = 2,
                 resolution: int = 14) -> None:
        super().__init__(key_dim, num_heads, attn_ratio)
        self.sub_resolution = (resolution - 1) // stride + 1
        self.kv = LinearBatchNorm(in_dim, self.dh + key_dim * num_heads)
        self.q = nn.Sequential(Subsample(stride, resolution),
                               LinearBatchNorm(in_dim, key_dim * num_heads))
        self.proj = nn.Sequential(build_activation_layer(act_cfg),
                                  LinearBatchNorm(self.dh, out_dim))
        self._init_biases(num_heads, resolution, self.sub_resolution, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, N, _ = x.shape
        k, v = self.kv(x).view(B, N, self.num_heads, -1).split([self.key_dim, self.d], dim=3)
        q = self.q(x).view(B, -1, self.num_heads, self.key_dim)
        x = self._attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return self.proj(x.transpose(1, 2).reshape(B, -1, self.dh))


@MODELS.register_module()
class LeViT(BaseBackbone):
    """LeViT backbone.

    Args:
        arch: '128s', '128', '192', '256', '384', or a dict with ``embed_dims``, ``num_heads``,
            ``depths``, ``key_dims`` (one entry per stage), which are kept as the list
            attributes of those names.
        img_size: input size the attention biases are laid out for (square).
        patch_size: downsampling of the stem (16).
        attn_ratio: value width / key width in the stage attention blocks.
        mlp_ratio: hidden width ratio of the MLP blocks (0 drops them).
        act_cfg: activation everywhere (HSwish).
        hybrid_backbone: a callable ``f(embed_dim) -> nn.Module`` building the stem from the
            first stage's width (it must downsample by ``patch_size``); default
            :class:`HybridBackbone`, which is also given ``act_cfg``.
        out_indices: stages whose (B, C, H, W) maps are returned; kept as a list of
            non-negative indices.
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages (-1: none).
        drop_path_rate: stochastic depth of every residual block (kept as an attribute).
        deploy: build directly in the fused (batch norms folded) form.

    ``arch_zoo`` maps the arch names to their dicts.
    """
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict],
                 img_size: int = 224,
                 patch_size: int = 16,
                 attn_ratio: int = 2,
                 mlp_ratio: int = 2,
                 act_cfg: dict = dict(type='HSwish'),
                 hybrid_backbone: Callable[..., nn.Module] = HybridBackbone,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = -1,
                 drop_path_rate: float = 0.,
                 deploy: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch = resolve_arch(arch, self.arch_zoo, 'LeViT')
        self.embed_dims = list(self.arch['embed_dims'])
        self.key_dims = list(self.arch['key_dims'])
        self.num_heads = list(self.arch['num_heads'])
        self.depths = list(self.arch['depths'])
        self.num_stages = len(self.embed_dims)
        self.drop_path_rate = drop_path_rate
        self.frozen_stages = frozen_stages
        self.patch_embed = (HybridBackbone(self.embed_dims[0], act_cfg=act_cfg)
                            if hybrid_backbone is HybridBackbone
                            else hybrid_backbone(self.embed_dims[0]))

        resolution = img_size // patch_size
        self.resolutions = []
        self.stages = ModuleList()
        for i, (dims, key_dim, depth, heads) in enumerate(zip(
                self.embed_dims, self.key_dims, self.depths, self.num_heads)):
            blocks = []
            if i > 0:
                down = AttentionSubsample(self.embed_dims[i - 1], dims, key_dim,
                                          num_heads=self.embed_dims[i - 1] // key_dim,
                                          attn_ratio=4, act_cfg=act_cfg, stride=2,
                                          resolution=resolution)
                blocks.append(down)
                resolution = down.sub_resolution
                if mlp_ratio > 0:
                    blocks.append(Residual(MLP(dims, mlp_ratio, act_cfg), drop_path_rate))
            for _ in range(depth):
                blocks.append(Residual(Attention(dims, key_dim, heads, attn_ratio, act_cfg,
                                                 resolution), drop_path_rate))
                if mlp_ratio > 0:
                    blocks.append(Residual(MLP(dims, mlp_ratio, act_cfg), drop_path_rate))
            self.resolutions.append(resolution)
            self.stages.append(Sequential(*blocks))
        self.out_indices = list(normalize_out_indices(out_indices, self.num_stages, 'LeViT'))
        self.deploy = False
        if deploy:
            self.switch_to_deploy()
        self._apply_frozen_stages()

    def switch_to_deploy(self) -> None:
        """Fold every batch norm into the preceding linear/conv layer (inference only)."""
        fuse_for_deploy(self)

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_and_stages(self.patch_embed, self.stages, self.frozen_stages)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                res = self.resolutions[i]
                outs.append(x.transpose(1, 2).reshape(x.shape[0], -1, res, res).contiguous())
        return tuple(outs)


__all__ = ['LeViT', 'fuse_parameters', 'fuse_for_deploy']
