"""EdgeNeXt (Maaz et al., 2022): ConvNeXt-style convolution blocks with a split depth-wise
transpose attention (SDTA) encoder, channel-wise self-attention, ending each stage 2-4."""
import math
from typing import List, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import DropPath, ModuleList, Sequential, build_norm_layer
from ..utils.activation import build_activation_layer
from ..utils.attention import ChannelMultiheadAttention
from ..utils.base_module import BaseModule
from ..utils.position_encoding import PositionEncodingFourier
from .convnext import ConvNeXtBlock, ConvNeXtLike
from .base_backbone import resolve_arch

# channels / depths / num_heads (of the channel attention) per stage.
arch_settings = {
    'xxsmall': dict(channels=[24, 48, 88, 168], depths=[2, 2, 6, 2], num_heads=[4, 4, 4, 4]),
    'xsmall': dict(channels=[32, 64, 100, 192], depths=[3, 3, 9, 3], num_heads=[4, 4, 4, 4]),
    'small': dict(channels=[48, 96, 160, 304], depths=[3, 3, 9, 3], num_heads=[8, 8, 8, 8]),
    'base': dict(channels=[80, 160, 288, 584], depths=[3, 3, 9, 3], num_heads=[8, 8, 8, 8]),
}


def per_stage_heads(num_heads: Union[int, Sequence[int]], num_stages: int) -> List[int]:
    """The channel-attention heads of each stage: one count for all stages or one per stage."""
    if isinstance(num_heads, int):
        return [num_heads] * num_stages
    if len(num_heads) != num_stages:
        raise ValueError(f'EdgeNeXt: num_heads needs {num_stages} entries (one per stage), '
                         f'got {num_heads}')
    return list(num_heads)


class SDTAEncoder(BaseModule):
    """Split depth-wise transpose attention: hierarchical depthwise convs over channel groups
    (Res2Net style), optional positional encoding, channel attention, then an MLP.

    Args:
        scales: number of channel groups; ``scales - 1`` of them get a 3x3 depthwise conv.
        use_pos_emb: add ``PositionEncodingFourier`` before the attention.
        layer_scale_init_value: initial layer scale of both branches (``<= 0``: none).
        norm_cfg: the norm before the attention and before the MLP.
        act_cfg: the activation of the MLP.
    """

    def __init__(self, in_channel: int, drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6, mlp_ratio: int = 4,
                 use_pos_emb: bool = True, num_heads: int = 8, qkv_bias: bool = True,
                 attn_drop: float = 0., proj_drop: float = 0.,
                 norm_cfg: dict = dict(type='LN'), act_cfg: dict = dict(type='GELU'),
                 scales: int = 1, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0. else nn.Identity()
        width = max(int(math.ceil(in_channel / scales)), int(math.floor(in_channel // scales)))
        self.width_list = [width] * (scales - 1) + [in_channel - width * (scales - 1)]
        self.num_convs = 1 if scales == 1 else scales - 1
        self.conv_modules = ModuleList([
            nn.Conv2d(width, width, kernel_size=3, padding=1, groups=width)
            for _ in range(self.num_convs)
        ])
        self.pos_embed = PositionEncodingFourier(embed_dims=in_channel) if use_pos_emb else None
        self.norm_csa = build_norm_layer(norm_cfg, in_channel)[1]
        self.gamma_csa = (nn.Parameter(layer_scale_init_value * torch.ones(in_channel))
                          if layer_scale_init_value > 0 else None)
        self.csa = ChannelMultiheadAttention(in_channel, num_heads, attn_drop=attn_drop,
                                             proj_drop=proj_drop, qkv_bias=qkv_bias)
        self.norm = build_norm_layer(norm_cfg, in_channel)[1]
        self.pointwise_conv1 = nn.Linear(in_channel, mlp_ratio * in_channel)
        self.act = build_activation_layer(act_cfg)
        self.pointwise_conv2 = nn.Linear(mlp_ratio * in_channel, in_channel)
        self.gamma = (nn.Parameter(layer_scale_init_value * torch.ones(in_channel))
                      if layer_scale_init_value > 0 else None)

    def _split_convs(self, x: torch.Tensor) -> torch.Tensor:
        groups = x.chunk(len(self.width_list), dim=1)
        outs, running = [], None
        for i, conv in enumerate(self.conv_modules):
            running = groups[i] if i == 0 else running + groups[i]
            running = conv(running)
            outs.append(running)
        return torch.cat(outs + [groups[self.num_convs]], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self._split_convs(x)
        batch, channels, height, width = x.shape
        x = x.reshape(batch, channels, height * width).permute(0, 2, 1)
        if self.pos_embed is not None:
            pos = self.pos_embed((batch, height, width))
            x = x + pos.reshape(batch, -1, x.shape[1]).permute(0, 2, 1)
        attn = self.csa(self.norm_csa(x))
        if self.gamma_csa is not None:
            attn = self.gamma_csa * attn
        x = (x + self.drop_path(attn)).reshape(batch, height, width, channels)
        x = self.pointwise_conv2(self.act(self.pointwise_conv1(self.norm(x))))
        if self.gamma is not None:
            x = self.gamma * x
        return shortcut + self.drop_path(x.permute(0, 3, 1, 2))


@MODELS.register_module()
class EdgeNeXt(ConvNeXtLike):
    """EdgeNeXt backbone (ConvNeXt-like stem, downsampling and output norms).

    Args:
        arch: 'xxsmall', 'xsmall', 'small', 'base' or a dict with ``channels``, ``depths``
            and ``num_heads`` (per stage, or one count for all stages).
        global_blocks: number of SDTA blocks at the end of each stage.
        global_block_type: 'SDTA' (or 'None') per stage.
        conv_kernel_sizes: depthwise kernel of the convolution blocks per stage.
        use_pos_embd_csa: positional encoding in the SDTA blocks of each stage.
        use_pos_embd_global: add a ``PositionEncodingFourier`` (``pos_embed``) to the output
            of the first stage.
        d2_scales: channel groups of the SDTA split convolutions per stage.
        out_indices / frozen_stages / gap_before_final_norm: as in ConvNeXt; with
            ``gap_before_final_norm`` the output norms are LayerNorm(eps=1e-5).
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'xxsmall',
                 in_channels: int = 3,
                 global_blocks: Sequence[int] = (0, 1, 1, 1),
                 global_block_type: Sequence[str] = ('None', 'SDTA', 'SDTA', 'SDTA'),
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 linear_pw_conv: bool = True,
                 mlp_ratio: int = 4,
                 conv_kernel_sizes: Sequence[int] = (3, 5, 7, 9),
                 use_pos_embd_csa: Sequence[bool] = (False, True, False, False),
                 use_pos_embd_global: bool = False,
                 d2_scales: Sequence[int] = (2, 2, 3, 4),
                 norm_cfg: dict = dict(type='LN2d', eps=1e-6),
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 gap_before_final_norm: bool = True,
                 act_cfg: dict = dict(type='GELU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch = self.arch_settings = resolve_arch(arch, self.arch_settings, 'EdgeNeXt')
        self.channels = channels = list(self.arch['channels'])
        self.depths = depths = list(self.arch['depths'])
        self.num_stages = self.num_layers = len(depths)
        self.num_heads = per_stage_heads(self.arch['num_heads'], self.num_stages)
        for name, value in (('global_blocks', global_blocks),
                            ('global_block_type', global_block_type),
                            ('conv_kernel_sizes', conv_kernel_sizes),
                            ('use_pos_embd_csa', use_pos_embd_csa), ('d2_scales', d2_scales)):
            if len(value) != self.num_stages:
                raise ValueError(f'EdgeNeXt: {name} needs {self.num_stages} entries, got {value}')
        for kind in global_block_type:
            if kind not in ('None', 'SDTA'):
                raise ValueError(f"EdgeNeXt: global_block_type must be 'None' or 'SDTA', "
                                 f'got {kind!r}')
        self._init_outputs(out_indices, frozen_stages, gap_before_final_norm)
        self.use_pos_embd_global = use_pos_embd_global
        self.pos_embed = (PositionEncodingFourier(embed_dims=channels[0])
                          if use_pos_embd_global else None)

        self.downsample_layers = ModuleList(
            [self._make_stem(in_channels, channels[0], 4, norm_cfg)])
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        self.stages = ModuleList()
        block_idx = 0
        for i, depth in enumerate(depths):
            if i > 0:
                self.downsample_layers.append(
                    self._make_downsample(channels[i - 1], channels[i], norm_cfg))
            num_global = global_blocks[i] if global_block_type[i] == 'SDTA' else 0
            blocks = []
            for j in range(depth):
                if j >= depth - num_global:
                    blocks.append(SDTAEncoder(
                        channels[i], drop_path_rate=dpr[block_idx + j], mlp_ratio=mlp_ratio,
                        use_pos_emb=use_pos_embd_csa[i], num_heads=self.num_heads[i],
                        layer_scale_init_value=layer_scale_init_value, scales=d2_scales[i]))
                else:
                    kernel = conv_kernel_sizes[i]
                    blocks.append(ConvNeXtBlock(
                        channels[i], dw_conv_cfg=dict(kernel_size=kernel, padding=kernel // 2),
                        norm_cfg=norm_cfg, act_cfg=act_cfg, mlp_ratio=mlp_ratio,
                        linear_pw_conv=linear_pw_conv, drop_path_rate=dpr[block_idx + j],
                        layer_scale_init_value=layer_scale_init_value))
            block_idx += depth
            self.stages.append(Sequential(*blocks))
            if i in self.out_indices:
                out_norm = dict(type='LN2d') if gap_before_final_norm else norm_cfg
                self.add_module(f'norm{i}', build_norm_layer(out_norm, channels[i])[1])
        self._apply_frozen_stages()

    def _forward_stage(self, index: int, x: torch.Tensor) -> torch.Tensor:
        x = self.stages[index](x)
        if index == 0 and self.pos_embed is not None:
            batch, _, height, width = x.shape
            x = x + self.pos_embed((batch, height, width))
        return x


__all__ = ['PositionEncodingFourier', 'ChannelMultiheadAttention', 'SDTAEncoder', 'EdgeNeXt']
