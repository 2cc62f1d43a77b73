"""PoolFormer (Yu et al., 2022, "MetaFormer Is Actually What You Need for Vision"): the
transformer macro-architecture with average pooling as its only token mixer."""
from typing import Callable, List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import DropPath, build_activation_layer, build_norm_layer
from ..utils.frozen_stages import check_frozen_stages
from .base_backbone import BaseBackbone, normalize_out_indices, resolve_arch, stem_and_stages

# layers: blocks per stage; embed_dims: stage widths; mlp_ratios: MLP hidden ratio per stage;
# layer_scale_init_value: initial value of both residual scales.
arch_settings = {
    's12': dict(layers=[2, 2, 6, 2], embed_dims=[64, 128, 320, 512], mlp_ratios=[4, 4, 4, 4],
                layer_scale_init_value=1e-5),
    's24': dict(layers=[4, 4, 12, 4], embed_dims=[64, 128, 320, 512], mlp_ratios=[4, 4, 4, 4],
                layer_scale_init_value=1e-5),
    's36': dict(layers=[6, 6, 18, 6], embed_dims=[64, 128, 320, 512], mlp_ratios=[4, 4, 4, 4],
                layer_scale_init_value=1e-6),
    'm36': dict(layers=[6, 6, 18, 6], embed_dims=[96, 192, 384, 768], mlp_ratios=[4, 4, 4, 4],
                layer_scale_init_value=1e-6),
    'm48': dict(layers=[8, 8, 24, 8], embed_dims=[96, 192, 384, 768], mlp_ratios=[4, 4, 4, 4],
                layer_scale_init_value=1e-6),
}


class PatchEmbed(nn.Module):
    """A strided convolution (``proj``) that embeds or downsamples a feature map.

    ``norm_layer``: a norm class (or any callable) taking ``embed_dim`` and applied after the
    convolution as ``self.norm``; ``None`` (the default) applies none.
    """

    def __init__(self, patch_size: int = 16, stride: int = 16, padding: int = 0,
                 in_chans: int = 3, embed_dim: int = 768,
                 norm_layer: Optional[Callable[[int], nn.Module]] = None) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=stride,
                              padding=padding)
        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x))


class Pooling(nn.Module):
    """Token mixer ``avgpool(x) - x`` (the block adds ``x`` back through its residual)."""

    def __init__(self, pool_size: int = 3) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(pool_size, stride=1, padding=pool_size // 2,
                                 count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x) - x


class Mlp(nn.Module):
    """1x1-conv MLP: ``fc1 -> act -> drop -> fc2 -> drop``; ``hidden_features`` and
    ``out_features`` default to ``in_features``."""

    def __init__(self, in_features: int, hidden_features: Optional[int] = None,
                 out_features: Optional[int] = None, act_cfg: dict = dict(type='GELU'),
                 drop: float = 0.) -> None:
        super().__init__()
        hidden_features = hidden_features or in_features
        out_features = out_features or in_features
        self.fc1 = nn.Conv2d(in_features, hidden_features, 1)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Conv2d(hidden_features, out_features, 1)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class PoolFormerBlock(nn.Module):
    """``x + ls1 * pool(norm1(x))`` then ``x + ls2 * mlp(norm2(x))`` (GroupNorm(1) norms)."""

    def __init__(self, dim: int, pool_size: int = 3, mlp_ratio: float = 4.,
                 norm_cfg: dict = dict(type='GN', num_groups=1),
                 act_cfg: dict = dict(type='GELU'), drop: float = 0., drop_path: float = 0.,
                 layer_scale_init_value: float = 1e-5) -> None:
        super().__init__()
        self.norm1 = build_norm_layer(norm_cfg, dim)[1]
        self.token_mixer = Pooling(pool_size)
        self.norm2 = build_norm_layer(norm_cfg, dim)[1]
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_cfg=act_cfg, drop=drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.layer_scale_1 = nn.Parameter(layer_scale_init_value * torch.ones(dim))
        self.layer_scale_2 = nn.Parameter(layer_scale_init_value * torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale1 = self.layer_scale_1.view(-1, 1, 1)
        scale2 = self.layer_scale_2.view(-1, 1, 1)
        x = x + self.drop_path(scale1 * self.token_mixer(self.norm1(x)))
        return x + self.drop_path(scale2 * self.mlp(self.norm2(x)))


def basic_blocks(dim: int,
                 index: int,
                 layers: Sequence[int],
                 pool_size: int = 3,
                 mlp_ratio: float = 4.,
                 norm_cfg: dict = dict(type='GN', num_groups=1),
                 act_cfg: dict = dict(type='GELU'),
                 drop_rate: float = .0,
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-5) -> nn.Sequential:
    """Stage ``index`` of a network with ``layers`` blocks per stage: ``layers[index]``
    PoolFormer blocks of width ``dim`` whose drop-path rate rises linearly with the block's
    depth in the whole network, from 0 to ``drop_path_rate``."""
    total, first = sum(layers), sum(layers[:index])
    return nn.Sequential(*[
        PoolFormerBlock(dim, pool_size, mlp_ratio, norm_cfg, act_cfg, drop_rate,
                        drop_path_rate * (first + j) / max(total - 1, 1), layer_scale_init_value)
        for j in range(layers[index])
    ])


@MODELS.register_module()
class PoolFormer(BaseBackbone):
    """PoolFormer backbone. ``network`` alternates stages (even indices 0, 2, 4, 6) and
    downsampling embeddings (odd indices); ``out_indices`` index ``network``.

    Args:
        arch: 's12', 's24', 's36', 'm36', 'm48' or a dict with ``layers``, ``embed_dims``,
            ``mlp_ratios`` and ``layer_scale_init_value``.
        pool_size: pooling window of the token mixer.
        in_patch_size / in_stride / in_pad: the stem embedding convolution.
        down_patch_size / down_stride / down_pad: the downsampling convolutions.
        drop_rate: dropout in the MLPs; drop_path_rate: stochastic depth (linear in depth).
        out_indices: entries of ``network`` whose normalised output is returned (``norm{i}``);
            negative values count from the end (-1 is the last stage, 6).
        frozen_stages: -1 freezes nothing; otherwise the stem embedding and the first
            ``frozen_stages`` entries of ``network`` (0, the reference default, freezes the stem
            embedding only).
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 's12',
                 pool_size: int = 3,
                 norm_cfg: dict = dict(type='GN', num_groups=1),
                 act_cfg: dict = dict(type='GELU'),
                 in_patch_size: int = 7,
                 in_stride: int = 4,
                 in_pad: int = 2,
                 down_patch_size: int = 3,
                 down_stride: int = 2,
                 down_pad: int = 1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.arch = resolve_arch(arch, self.arch_settings, 'PoolFormer')
        layers, dims = self.arch['layers'], self.arch['embed_dims']
        self.patch_embed = PatchEmbed(in_patch_size, in_stride, in_pad, 3, dims[0])
        network = []
        for i in range(len(layers)):
            network.append(basic_blocks(dims[i], i, layers, pool_size, self.arch['mlp_ratios'][i],
                                        norm_cfg, act_cfg, drop_rate, drop_path_rate,
                                        self.arch['layer_scale_init_value']))
            if i < len(layers) - 1 and dims[i] != dims[i + 1]:
                network.append(PatchEmbed(down_patch_size, down_stride, down_pad, dims[i],
                                          dims[i + 1]))
        self.network = nn.ModuleList(network)
        self.out_indices = normalize_out_indices(out_indices, len(self.network), 'PoolFormer',
                                                 unit='network entries')
        channels = self._channels_per_entry()
        for i in self.out_indices:
            self.add_module(f'norm{i}', build_norm_layer(norm_cfg, channels[i])[1])
        check_frozen_stages(frozen_stages, -1, len(self.network), 'PoolFormer')
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    def _channels_per_entry(self) -> list:
        """Output channels of every ``network`` entry."""
        channels = []
        for entry in self.network:
            channels.append(entry.proj.out_channels if isinstance(entry, PatchEmbed)
                            else entry[0].norm1.num_channels)
        return channels

    def forward_embeddings(self, x: torch.Tensor) -> torch.Tensor:
        """The stem embedding of the input images."""
        return self.patch_embed(x)

    def forward_tokens(self, x: torch.Tensor) -> tuple:
        """Run ``network`` on embedded ``x``; the normalised outputs at ``out_indices``."""
        outs = []
        for i, entry in enumerate(self.network):
            x = entry(x)
            if i in self.out_indices:
                outs.append(getattr(self, f'norm{i}')(x))
        return tuple(outs)

    def forward(self, x: torch.Tensor) -> tuple:
        return self.forward_tokens(self.forward_embeddings(x))

    def _frozen_modules(self) -> List[nn.Module]:
        modules = stem_and_stages(self.patch_embed, self.network, self.frozen_stages)
        return modules + [getattr(self, f'norm{i}') for i in self.out_indices
                          if i < self.frozen_stages]


__all__ = ['PoolFormerBlock', 'PoolFormer', 'basic_blocks']
