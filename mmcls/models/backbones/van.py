"""VAN, the Visual Attention Network (Guo et al., 2022): large kernel attention (LKA), a
depthwise conv, a dilated depthwise conv and a 1x1 conv whose output gates the input."""
from typing import List, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import DropPath, ModuleList, build_activation_layer, build_norm_layer
from ..utils.base_module import BaseModule
from ..utils.frozen_stages import check_frozen_stages
from .base_backbone import BaseBackbone, normalize_out_indices, resolve_arch

_FFN_RATIOS = [8, 8, 4, 4]
# embed_dims / depths / ffn_ratios per stage.
arch_settings = {
    **dict.fromkeys(['t', 'b0', 'tiny'], dict(embed_dims=[32, 64, 160, 256], depths=[3, 3, 5, 2],
                                         ffn_ratios=_FFN_RATIOS)),
    **dict.fromkeys(['s', 'b1', 'small'], dict(embed_dims=[64, 128, 320, 512], depths=[2, 2, 4, 2],
                                          ffn_ratios=_FFN_RATIOS)),
    **dict.fromkeys(['b', 'b2', 'base'], dict(embed_dims=[64, 128, 320, 512], depths=[3, 3, 12, 3],
                                         ffn_ratios=_FFN_RATIOS)),
    **dict.fromkeys(['l', 'b3', 'large'], dict(embed_dims=[64, 128, 320, 512], depths=[3, 5, 27, 3],
                                          ffn_ratios=_FFN_RATIOS)),
    'b4': dict(embed_dims=[64, 128, 320, 512], depths=[3, 6, 40, 3], ffn_ratios=_FFN_RATIOS),
    'b5': dict(embed_dims=[96, 192, 480, 768], depths=[3, 3, 24, 3], ffn_ratios=_FFN_RATIOS),
    'b6': dict(embed_dims=[96, 192, 384, 768], depths=[6, 6, 90, 6], ffn_ratios=_FFN_RATIOS),
}


class MixFFN(BaseModule):
    """1x1 conv -> 3x3 depthwise conv -> act -> 1x1 conv, with dropout."""

    def __init__(self, embed_dims: int, feedforward_channels: int,
                 act_cfg: dict = dict(type='GELU'), ffn_drop: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.fc1 = nn.Conv2d(embed_dims, feedforward_channels, kernel_size=1)
        self.dwconv = nn.Conv2d(feedforward_channels, feedforward_channels, kernel_size=3,
                                padding=1, groups=feedforward_channels)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Conv2d(feedforward_channels, embed_dims, kernel_size=1)
        self.drop = nn.Dropout(ffn_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.act(self.dwconv(self.fc1(x))))
        return self.drop(self.fc2(x))


class LKA(BaseModule):
    """Large kernel attention: 5x5 depthwise, 7x7 depthwise with dilation 3 (a 21x21
    receptive field) and a 1x1 conv give an attention map that multiplies the input."""

    def __init__(self, embed_dims: int, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.DW_conv = nn.Conv2d(embed_dims, embed_dims, kernel_size=5, padding=2,
                                 groups=embed_dims)
        self.DW_D_conv = nn.Conv2d(embed_dims, embed_dims, kernel_size=7, padding=9,
                                   groups=embed_dims, dilation=3)
        self.conv1 = nn.Conv2d(embed_dims, embed_dims, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.conv1(self.DW_D_conv(self.DW_conv(x)))


class SpatialAttention(BaseModule):
    """``x + proj_2(LKA(act(proj_1(x))))``."""

    def __init__(self, embed_dims: int, act_cfg: dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.proj_1 = nn.Conv2d(embed_dims, embed_dims, kernel_size=1)
        self.activation = build_activation_layer(act_cfg)
        self.spatial_gating_unit = LKA(embed_dims)
        self.proj_2 = nn.Conv2d(embed_dims, embed_dims, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.proj_2(self.spatial_gating_unit(self.activation(self.proj_1(x))))
        return out + x


class VANBlock(BaseModule):
    """``x + ls1 * attn(bn(x))`` then ``x + ls2 * ffn(bn(x))``."""

    def __init__(self, embed_dims: int, ffn_ratio: float = 4., drop_rate: float = 0.,
                 drop_path_rate: float = 0., act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='BN', eps=1e-5),
                 layer_scale_init_value: float = 1e-2, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.out_channels = embed_dims
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = SpatialAttention(embed_dims, act_cfg=act_cfg)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0. else nn.Identity()
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.mlp = MixFFN(embed_dims, int(embed_dims * ffn_ratio), act_cfg, drop_rate)
        if layer_scale_init_value > 0:
            self.layer_scale_1 = nn.Parameter(layer_scale_init_value * torch.ones(embed_dims))
            self.layer_scale_2 = nn.Parameter(layer_scale_init_value * torch.ones(embed_dims))
        else:
            self.layer_scale_1 = self.layer_scale_2 = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.attn(self.norm1(x))
        if self.layer_scale_1 is not None:
            out = self.layer_scale_1.view(-1, 1, 1) * out
        x = x + self.drop_path(out)
        out = self.mlp(self.norm2(x))
        if self.layer_scale_2 is not None:
            out = self.layer_scale_2.view(-1, 1, 1) * out
        return x + self.drop_path(out)


class VANPatchEmbed(nn.Module):
    """Overlapping patch embedding: strided ``projection`` conv then a batch ``norm``."""

    def __init__(self, in_channels: int, embed_dims: int, kernel_size: int,
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        self.projection = nn.Conv2d(in_channels, embed_dims, kernel_size,
                                    stride=kernel_size // 2 + 1, padding=kernel_size // 2)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.projection(x))


@MODELS.register_module()
class VAN(BaseBackbone):
    """VAN backbone: per stage ``patch_embed{i}``, ``blocks{i}`` and a LayerNorm ``norm{i}``.

    Args:
        arch: 'tiny'/'t'/'b0', 'small'/'s'/'b1', 'base'/'b'/'b2', 'large'/'l'/'b3', 'b4'-'b6',
            or a dict with ``embed_dims``, ``depths`` and ``ffn_ratios``.
        patch_sizes: kernel of each stage's patch embedding (stride ``k // 2 + 1``).
        drop_rate / drop_path_rate: FFN dropout and stochastic depth (linear in depth).
        out_indices: stages whose outputs are returned.
        frozen_stages: index of the last frozen stage, as in the reference: ``k`` freezes
            stages ``0..k`` (patch embedding, blocks and norm); -1 freezes nothing.
        norm_eval: keep batch norms in eval mode while training.
        norm_cfg: the norm after each stage (applied to tokens).
        block_cfgs: extra arguments of every ``VANBlock``.
    """
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 patch_sizes: Sequence[int] = (7, 3, 3, 3),
                 in_channels: int = 3,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 norm_cfg: dict = dict(type='LN'),
                 block_cfgs: dict = dict(),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'VAN')
        self.arch = self.arch_settings  # the resolved arch, under its former name too
        self.embed_dims, depths = self.arch_settings['embed_dims'], self.arch_settings['depths']
        self.num_stages = len(depths)
        if len(patch_sizes) != self.num_stages:
            raise ValueError(f'VAN: patch_sizes needs {self.num_stages} entries, '
                             f'got {patch_sizes}')
        check_frozen_stages(frozen_stages, -1, self.num_stages - 1, 'VAN')
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, 'VAN')
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        start = 0
        for i, depth in enumerate(depths):
            dims = self.embed_dims[i]
            self.add_module(f'patch_embed{i + 1}', VANPatchEmbed(
                in_channels if i == 0 else self.embed_dims[i - 1], dims, patch_sizes[i]))
            self.add_module(f'blocks{i + 1}', ModuleList([
                VANBlock(dims, self.arch_settings['ffn_ratios'][i], drop_rate, dpr[start + j],
                         **block_cfgs) for j in range(depth)
            ]))
            self.add_module(f'norm{i + 1}', build_norm_layer(norm_cfg, dims)[1])
            start += depth
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        for i in range(self.num_stages):
            x = getattr(self, f'patch_embed{i + 1}')(x)
            for block in getattr(self, f'blocks{i + 1}'):
                x = block(x)
            n, c, h, w = x.shape
            tokens = getattr(self, f'norm{i + 1}')(x.flatten(2).transpose(1, 2))
            x = tokens.reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous()
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        # frozen_stages is the index of the last frozen stage; the modules count from 1.
        return [getattr(self, f'{part}{i}') for i in range(1, self.frozen_stages + 2)
                for part in ('patch_embed', 'blocks', 'norm')]


__all__ = ['MixFFN', 'LKA', 'SpatialAttention', 'VANBlock', 'VANPatchEmbed', 'VAN']
