"""ConvNeXt (Liu et al., 2022) and ConvNeXt V2 (Woo et al., 2023): a ResNet modernised with
7x7 depthwise convolutions, LayerNorm, inverted-bottleneck MLPs and layer scale. V2 adds GRN
(``use_grn=True``) and drops layer scale (``layer_scale_init_value=0``)."""
from functools import partial
from typing import List, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import DropPath, GRN, ModuleList, Sequential, build_activation_layer, build_norm_layer
from ..utils.frozen_stages import check_frozen_stages
from ..utils.grad_checkpoint import checkpointed
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch

# depths: blocks per stage; channels: width of each stage.
arch_settings = {
    'atto': dict(depths=[2, 2, 6, 2], channels=[40, 80, 160, 320]),
    'femto': dict(depths=[2, 2, 6, 2], channels=[48, 96, 192, 384]),
    'pico': dict(depths=[2, 2, 6, 2], channels=[64, 128, 256, 512]),
    'nano': dict(depths=[2, 2, 8, 2], channels=[80, 160, 320, 640]),
    'tiny': dict(depths=[3, 3, 9, 3], channels=[96, 192, 384, 768]),
    'small': dict(depths=[3, 3, 27, 3], channels=[96, 192, 384, 768]),
    'base': dict(depths=[3, 3, 27, 3], channels=[128, 256, 512, 1024]),
    'large': dict(depths=[3, 3, 27, 3], channels=[192, 384, 768, 1536]),
    'xlarge': dict(depths=[3, 3, 27, 3], channels=[256, 512, 1024, 2048]),
    'huge': dict(depths=[3, 3, 27, 3], channels=[352, 704, 1408, 2816]),
}


class ConvNeXtBlock(nn.Module):
    """``x + drop_path(gamma * pw2(grn(act(pw1(norm(dwconv(x)))))))``.

    Args:
        in_channels: channels of the block input and output.
        dw_conv_cfg: kernel arguments of the depthwise convolution.
        mlp_ratio: hidden width of the pointwise MLP relative to ``in_channels``.
        linear_pw_conv: run the MLP as ``nn.Linear`` on channels-last tensors (the checkpoint
            layout of the released models) instead of 1x1 convolutions.
        layer_scale_init_value: initial ``gamma``; 0 or less disables layer scale.
        use_grn: insert GRN after the activation (ConvNeXt V2).
        with_cp: trade compute for memory with gradient checkpointing.
    """

    def __init__(self,
                 in_channels: int,
                 dw_conv_cfg: dict = dict(kernel_size=7, padding=3),
                 norm_cfg: dict = dict(type='LN2d', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'),
                 mlp_ratio: float = 4.,
                 linear_pw_conv: bool = True,
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 use_grn: bool = False,
                 with_cp: bool = False) -> None:
        super().__init__()
        self.with_cp = with_cp
        self.linear_pw_conv = linear_pw_conv
        self.data_format = 'channel_last' if linear_pw_conv else 'channel_first'
        if layer_scale_init_value > 0:
            self.gamma = nn.Parameter(layer_scale_init_value * torch.ones(in_channels))
        else:
            self.gamma = None
        self.depthwise_conv = nn.Conv2d(in_channels, in_channels, groups=in_channels, **dw_conv_cfg)
        self.norm = build_norm_layer(norm_cfg, in_channels)[1]
        mid_channels = int(mlp_ratio * in_channels)
        pw_conv = nn.Linear if linear_pw_conv else partial(nn.Conv2d, kernel_size=1)
        self.pointwise_conv1 = pw_conv(in_channels, mid_channels)
        self.act = build_activation_layer(act_cfg)
        self.pointwise_conv2 = pw_conv(mid_channels, in_channels)
        self.grn = GRN(mid_channels) if use_grn else None
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0. else nn.Identity()

    def _mlp(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x, data_format=self.data_format)
        x = self.act(self.pointwise_conv1(x))
        if self.grn is not None:
            x = self.grn(x, data_format=self.data_format)
        return self.pointwise_conv2(x)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.depthwise_conv(x)
        if self.linear_pw_conv:
            out = self._mlp(out.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        else:
            out = self._mlp(out)
        if self.gamma is not None:
            out = out * self.gamma.view(1, -1, 1, 1)
        return x + self.drop_path(out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return checkpointed(self._forward, x, with_cp=self.with_cp)


class ConvNeXtLike(BaseBackbone):
    """The macro design ConvNeXt, EdgeNeXt and HorNet share: stage ``i`` runs
    ``downsample_layers[i]`` then ``stages[i]``; each ``out_indices`` output goes through
    ``norm{i}``, after global average pooling when ``gap_before_final_norm`` (the (N, C)
    vectors the classifiers expect); ``frozen_stages`` freezes the first downsample/stage pairs.
    """

    @staticmethod
    def _make_stem(in_channels: int, channels: int, patch_size: int,
                   norm_cfg: dict) -> nn.Sequential:
        """The patchify stem: a ``patch_size`` conv of the same stride, then a norm."""
        return nn.Sequential(
            nn.Conv2d(in_channels, channels, kernel_size=patch_size, stride=patch_size),
            build_norm_layer(norm_cfg, channels)[1])

    @staticmethod
    def _make_downsample(in_channels: int, out_channels: int, norm_cfg: dict) -> nn.Sequential:
        """The downsampling in front of later stages: a norm, then a 2x2 stride-2 conv."""
        return nn.Sequential(
            build_norm_layer(norm_cfg, in_channels)[1],
            nn.Conv2d(in_channels, out_channels, kernel_size=2, stride=2))

    def _init_outputs(self, out_indices: Union[int, Sequence[int]], frozen_stages: int,
                      gap_before_final_norm: bool, lowest_frozen_stages: int = 0) -> None:
        """Check and keep the output stages and ``frozen_stages`` (from
        ``lowest_frozen_stages`` to ``num_stages``) of the ``num_stages`` stages."""
        owner = type(self).__name__
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, owner)
        check_frozen_stages(frozen_stages, lowest_frozen_stages, self.num_stages, owner)
        self.frozen_stages = frozen_stages
        self.gap_before_final_norm = gap_before_final_norm

    def _forward_stage(self, index: int, x: torch.Tensor) -> torch.Tensor:
        """Run stage ``index`` (HorNet adds gradient checkpointing)."""
        return self.stages[index](x)

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        for i in range(len(self.stages)):
            x = self._forward_stage(i, self.downsample_layers[i](x))
            if i in self.out_indices:
                norm = getattr(self, f'norm{i}')
                if self.gap_before_final_norm:
                    outs.append(norm(x.mean([-2, -1], keepdim=True)).flatten(1))
                else:
                    outs.append(norm(x))
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        num_frozen = max(self.frozen_stages, 0)
        return [*self.downsample_layers[:num_frozen], *self.stages[:num_frozen]]


@MODELS.register_module()
class ConvNeXt(ConvNeXtLike):
    """ConvNeXt backbone (V1 and, with ``use_grn=True``, V2).

    Args:
        arch: a name of ``arch_settings`` or ``dict(depths=[...], channels=[...])``.
        stem_patch_size: kernel and stride of the patchify stem.
        linear_pw_conv: pointwise MLP as ``nn.Linear`` (see ``ConvNeXtBlock``).
        use_grn: add GRN to every block (ConvNeXt V2).
        drop_path_rate: stochastic depth, rising linearly over all blocks up to this value.
        layer_scale_init_value: initial layer-scale value; 0 disables it (V2).
        out_indices: stages whose (normalised) output is returned; each gets a ``norm{i}``.
        frozen_stages: freeze the downsample layers and blocks of the first ``frozen_stages``.
        gap_before_final_norm: average-pool before ``norm{i}`` and return (N, C) vectors,
            as the classifiers expect; otherwise return normalised (N, C, H, W) maps.
        with_cp: gradient checkpointing in every block.
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 in_channels: int = 3,
                 stem_patch_size: int = 4,
                 norm_cfg: dict = dict(type='LN2d', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'),
                 linear_pw_conv: bool = True,
                 use_grn: bool = False,
                 drop_path_rate: float = 0.,
                 layer_scale_init_value: float = 1e-6,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 gap_before_final_norm: bool = True,
                 with_cp: bool = False,
                 init_cfg=[
                     dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=.02, bias=0.),
                     dict(type='Constant', layer=['LayerNorm'], val=1., bias=0.),
                 ]) -> None:
        super().__init__(init_cfg=init_cfg)
        settings = resolve_arch(arch, self.arch_settings, 'ConvNeXt')
        self.depths, self.channels = list(settings['depths']), list(settings['channels'])
        if len(self.depths) != len(self.channels):
            raise ValueError(f'ConvNeXt: arch depths {self.depths} and channels {self.channels} '
                             'must have the same length')
        self.num_stages = len(self.depths)
        self._init_outputs(out_indices, frozen_stages, gap_before_final_norm)

        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.downsample_layers = ModuleList()
        self.downsample_layers.append(
            self._make_stem(in_channels, self.channels[0], stem_patch_size, norm_cfg))
        self.stages = ModuleList()
        block_idx = 0
        for i, (depth, channels) in enumerate(zip(self.depths, self.channels)):
            if i > 0:
                self.downsample_layers.append(
                    self._make_downsample(self.channels[i - 1], channels, norm_cfg))
            self.stages.append(Sequential(*[
                ConvNeXtBlock(channels, norm_cfg=norm_cfg, act_cfg=act_cfg,
                              linear_pw_conv=linear_pw_conv, use_grn=use_grn,
                              drop_path_rate=dpr[block_idx + j],
                              layer_scale_init_value=layer_scale_init_value, with_cp=with_cp)
                for j in range(depth)
            ]))
            block_idx += depth
            if i in self.out_indices:
                self.add_module(f'norm{i}', build_norm_layer(norm_cfg, channels)[1])
        self._apply_frozen_stages()


__all__ = ['ConvNeXtBlock', 'ConvNeXtLike', 'ConvNeXt']
