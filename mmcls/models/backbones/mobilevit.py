"""MobileViT (Mehta & Rastegari 2022): MobileNetV2 blocks plus transformers over unfolded patches.

A MobileViT block applies a local conv, unfolds the map into ``patch_size x patch_size`` patches,
runs transformer layers across patches for each in-patch position, folds back and fuses with its
input.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from ..utils.arch_lookup import lookup_arch
from ..utils.conv_module import ConvModule
from ..utils.conv_norm_init import CONV_NORM_INIT_CFG
from ..utils.frozen_stages import check_frozen_stages
from ..utils.norm import build_norm_layer
from .base_backbone import BaseBackbone, normalize_out_indices, stem_and_stages
from .mobilenet_v2 import InvertedResidual
from .vision_transformer import TransformerEncoderLayer

# Per layer: ['mobilenetv2', out_channels, stride, num_blocks, expand_ratio] or
# ['mobilevit', out_channels, stride, transformer_dim, ffn_dim, num_transformer_blocks,
#  expand_ratio].


def layer_settings(widths: Sequence[int], transformer_dims: Sequence[int],
                   expand_ratio: float) -> List[list]:
    """The MobileViT layout: two MobileNetV2 layers (stride 1 with one block, stride 2 with
    three), then three stride-2 MobileViT layers of 2, 4 and 3 transformer blocks whose FFN is
    twice ``transformer_dims`` wide; ``widths`` are the five layers' output channels."""
    return [['mobilenetv2', widths[0], 1, 1, expand_ratio],
            ['mobilenetv2', widths[1], 2, 3, expand_ratio],
            *[['mobilevit', width, 2, dims, 2 * dims, num_blocks, expand_ratio]
              for width, dims, num_blocks in zip(widths[2:], transformer_dims, (2, 4, 3))]]


arch_settings = {
    'small': layer_settings((32, 64, 96, 128, 160), (144, 192, 240), 4),
    'x_small': layer_settings((32, 48, 64, 80, 96), (96, 120, 144), 4),
    'xx_small': layer_settings((16, 24, 48, 64, 80), (64, 80, 96), 2),
}


class MobileVitBlock(nn.Module):
    """Local conv -> unfold -> transformer layers + LN -> fold -> 1x1 projection -> fusion conv.

    Maps whose size is not a multiple of ``patch_size`` are bilinearly resized to the next
    multiple for the transformer and back afterwards.
    """

    def __init__(self,
                 in_channels: int,
                 transformer_dim: int,
                 ffn_dim: int,
                 out_channels: int,
                 conv_ksize: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='Swish'),
                 num_transformer_blocks: int = 2,
                 patch_size: int = 2,
                 num_heads: int = 4,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 no_fusion: bool = False,
                 transformer_norm_cfg: dict = dict(type='LN')) -> None:
        super().__init__()
        padding = (conv_ksize - 1) // 2
        self.local_rep = nn.Sequential(
            ConvModule(in_channels, in_channels, conv_ksize, padding=padding, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(in_channels, transformer_dim, 1, bias=False, conv_cfg=conv_cfg,
                       norm_cfg=None, act_cfg=None))
        layers: List[nn.Module] = [
            TransformerEncoderLayer(
                embed_dims=transformer_dim, num_heads=num_heads, feedforward_channels=ffn_dim,
                drop_rate=drop_rate, attn_drop_rate=attn_drop_rate,
                drop_path_rate=drop_path_rate, qkv_bias=True, act_cfg=dict(type='Swish'),
                norm_cfg=transformer_norm_cfg)
            for _ in range(num_transformer_blocks)
        ]
        layers.append(build_norm_layer(transformer_norm_cfg, transformer_dim)[1])
        self.global_rep = nn.Sequential(*layers)
        self.conv_proj = ConvModule(transformer_dim, out_channels, 1, conv_cfg=conv_cfg,
                                    norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv_fusion = None if no_fusion else ConvModule(
            in_channels + out_channels, out_channels, conv_ksize, padding=padding,
            conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.patch_size = patch_size

    def _unfold(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """(B, C, H, W) -> (B * p*p, n_h*n_w, C): one sequence of patches per in-patch pixel."""
        batch, channels, height, width = x.shape
        p = self.patch_size
        n_h, n_w = height // p, width // p
        x = x.reshape(batch, channels, n_h, p, n_w, p).permute(0, 3, 5, 2, 4, 1)
        return x.reshape(batch * p * p, n_h * n_w, channels), (n_h, n_w)

    def _fold(self, x: torch.Tensor, batch: int, grid: Tuple[int, int]) -> torch.Tensor:
        """Inverse of :meth:`_unfold`."""
        p = self.patch_size
        n_h, n_w = grid
        x = x.reshape(batch, p, p, n_h, n_w, -1).permute(0, 5, 3, 1, 4, 2)
        return x.reshape(batch, -1, n_h * p, n_w * p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.local_rep(x)
        batch, _, height, width = x.shape
        p = self.patch_size
        new_h, new_w = math.ceil(height / p) * p, math.ceil(width / p) * p
        resized = (new_h, new_w) != (height, width)
        if resized:
            x = F.interpolate(x, size=(new_h, new_w), mode='bilinear', align_corners=False)
        tokens, grid = self._unfold(x)
        x = self._fold(self.global_rep(tokens), batch, grid)
        if resized:
            x = F.interpolate(x, size=(height, width), mode='bilinear', align_corners=False)
        x = self.conv_proj(x)
        if self.conv_fusion is not None:
            x = self.conv_fusion(torch.cat((shortcut, x), dim=1))
        return x


@MODELS.register_module()
class MobileViT(BaseBackbone):
    """MobileViT backbone.

    Args:
        arch: ``'small'``, ``'x_small'``, ``'xx_small'`` or a list of layer settings (see
            ``arch_settings``).
        stem_channels: channels of the stride-2 stem conv.
        last_exp_factor: the final 1x1 conv widens the last layer by this factor.
        out_indices: layers (0-4) whose output is returned; the last one includes the
            final 1x1 expansion.
        frozen_stages: freeze the stem and the first N layers.
        norm_eval: keep batch-norm layers in eval mode during training.
    """

    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, List[list]] = 'small',
                 in_channels: int = 3,
                 stem_channels: int = 16,
                 last_exp_factor: int = 4,
                 out_indices: Union[int, Sequence[int]] = (4, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='Swish'),
                 init_cfg=CONV_NORM_INIT_CFG) -> None:
        super().__init__(init_cfg)
        if isinstance(arch, str):
            arch = lookup_arch(arch, self.arch_settings, 'MobileViT', case_sensitive=False)
        self.arch = [list(layer) for layer in arch]
        self.num_stages = len(self.arch)
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, 'MobileViT')
        check_frozen_stages(frozen_stages, -1, self.num_stages - 1, 'MobileViT')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.stem = ConvModule(in_channels, stem_channels, 3, stride=2, padding=1,
                               conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        builders = {'mobilenetv2': self.make_mobilenetv2_layer,
                    'mobilevit': self.make_mobilevit_layer}
        channels = stem_channels
        layers = []
        for i, (kind, *settings) in enumerate(self.arch):
            if kind not in builders:
                raise ValueError(f'MobileViT: layer {i} type must be one of {sorted(builders)}, '
                                 f'got {kind!r}')
            layer, channels = builders[kind](channels, *settings)
            layers.append(layer)
        self.layers = nn.Sequential(*layers)
        self.conv_1x1_exp = ConvModule(channels, last_exp_factor * channels, 1,
                                       conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self._apply_frozen_stages()

    @staticmethod
    def make_mobilevit_layer(in_channels: int, out_channels: int, stride: int,
                             transformer_dim: int, ffn_dim: int, num_transformer_blocks: int,
                             expand_ratio: float = 4) -> Tuple[nn.Sequential, int]:
        """One (strided) InvertedResidual followed by one MobileVitBlock."""
        layer = nn.Sequential(
            InvertedResidual(in_channels, out_channels, stride, expand_ratio,
                             act_cfg=dict(type='Swish')),
            MobileVitBlock(out_channels, transformer_dim, ffn_dim, out_channels,
                           num_transformer_blocks=num_transformer_blocks))
        return layer, out_channels

    @staticmethod
    def make_mobilenetv2_layer(in_channels: int, out_channels: int, stride: int,
                               num_blocks: int,
                               expand_ratio: float = 4) -> Tuple[nn.Sequential, int]:
        """``num_blocks`` InvertedResidual blocks; only the first one is strided."""
        blocks = []
        for i in range(num_blocks):
            blocks.append(InvertedResidual(in_channels, out_channels, stride if i == 0 else 1,
                                           expand_ratio, act_cfg=dict(type='Swish')))
            in_channels = out_channels
        return nn.Sequential(*blocks), out_channels

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_and_stages(self.stem, self.layers, self.frozen_stages)

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.stem(x)
        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == len(self.layers) - 1:
                x = self.conv_1x1_exp(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


__all__ = ['MobileViT']
