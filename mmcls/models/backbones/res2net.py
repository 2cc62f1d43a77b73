"""Res2Net (Gao et al., 2021): bottlenecks whose 3x3 conv is split into hierarchical scales."""
import math
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import build_conv_layer, build_norm_layer
from ..utils.named_norm import add_named_norm
from .resnet import BLOCK_NORM, Bottleneck, ResLayer, ResNet
from .resnet import bottleneck_arch_settings


class Bottle2neck(Bottleneck):
    """1x1 conv to ``scales`` groups of ``width`` channels, a chain of 3x3 convs, 1x1 conv.

    Group ``i`` is convolved after adding the output of group ``i - 1``; the last group is
    passed through (average-pooled in the first block of a stage, ``stage_type='stage'``,
    where the groups are not chained). The ResNet bottleneck's ``conv2``/``bn2`` are replaced
    by ``convs``/``bns``.

    Args:
        scales: number of width groups (> 1).
        base_width / base_channels: ``width = mid_channels * base_width / base_channels``.
        stage_type: ``'normal'`` or ``'stage'``.
        **kwargs: as the ResNet :class:`~mmcls.models.backbones.resnet.Bottleneck`.
    """
    expansion = 4

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 scales: int = 4,
                 base_width: int = 26,
                 base_channels: int = 64,
                 stage_type: str = 'normal',
                 **kwargs) -> None:
        if scales <= 1:
            raise ValueError(f'Bottle2neck: scales must be > 1, got {scales}')
        if stage_type not in ('normal', 'stage'):
            raise ValueError(f'Bottle2neck: stage_type must be "normal" or "stage", '
                             f'got {stage_type!r}')
        super().__init__(in_channels, out_channels, **kwargs)
        self.scales, self.stage_type = scales, stage_type
        width = int(math.floor(self.mid_channels * (base_width / base_channels)))
        self.width = width
        conv_cfg, norm_cfg = self.conv_cfg, self.norm_cfg

        self.conv1 = build_conv_layer(conv_cfg, in_channels, width * scales, 1,
                                      stride=self.conv1_stride, bias=False)
        self.norm1_name = add_named_norm(self, norm_cfg, width * scales, 1)
        if stage_type == 'stage':
            self.pool = nn.AvgPool2d(kernel_size=3, stride=self.conv2_stride, padding=1)
        self.convs = nn.ModuleList([
            build_conv_layer(conv_cfg, width, width, 3, stride=self.conv2_stride,
                             padding=self.dilation, dilation=self.dilation, bias=False)
            for _ in range(scales - 1)
        ])
        self.bns = nn.ModuleList(
            [build_norm_layer(norm_cfg, width, postfix=i + 1)[1] for i in range(scales - 1)])
        self.conv3 = build_conv_layer(conv_cfg, width * scales, out_channels, 1, bias=False)
        self.norm3_name = add_named_norm(self, norm_cfg, out_channels, 3)
        delattr(self, 'conv2')
        delattr(self, self.norm2_name)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        splits = torch.split(self.relu(self.norm1(self.conv1(x))), self.width, 1)
        sp = self.relu(self.bns[0](self.convs[0](splits[0].contiguous())))
        outs = [sp]
        for i in range(1, self.scales - 1):
            sp = splits[i] if self.stage_type == 'stage' else sp + splits[i]
            sp = self.relu(self.bns[i](self.convs[i](sp.contiguous())))
            outs.append(sp)
        last = splits[self.scales - 1]
        outs.append(self.pool(last) if self.stage_type == 'stage' else last)
        return self.norm3(self.conv3(torch.cat(outs, 1)))


class Res2Layer(ResLayer):
    """A Res2Net stage: a 'stage' first block (strides, projects), then 'normal' blocks;
    average-pooled shortcuts by default.

    Args:
        block: the block class (:class:`Bottle2neck`).
        in_channels / out_channels: stage input and output channels.
        num_blocks: number of blocks.
        stride: stride of the first block.
        avg_down: average-pool then stride-1 1x1 conv shortcut (else a strided 1x1 conv).
        conv_cfg / norm_cfg: layer configs.
        scales / base_width: of every block, as :class:`Bottle2neck`.
        drop_path_rate: one rate for all blocks or one per block.
        expansion: block expansion.
        **kwargs: passed to every block (``base_channels``, ``style``, ``with_cp``, ...).
    """

    def __init__(self,
                 block: type,
                 in_channels: int,
                 out_channels: int,
                 num_blocks: int,
                 stride: int = 1,
                 avg_down: bool = True,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = BLOCK_NORM,
                 scales: int = 4,
                 base_width: int = 26,
                 drop_path_rate: Union[float, Sequence[float]] = 0.,
                 expansion: int = 4,
                 **kwargs) -> None:
        super().__init__(block, num_blocks, in_channels, out_channels, expansion=expansion,
                         stride=stride, avg_down=avg_down, conv_cfg=conv_cfg,
                         norm_cfg=norm_cfg, drop_path_rate=drop_path_rate, scales=scales,
                         base_width=base_width, **kwargs)

    def _block_kwargs(self, index: int) -> dict:
        return dict(stage_type='stage' if index == 0 else 'normal')


@MODELS.register_module()
class Res2Net(ResNet):
    """Res2Net backbone.

    Args:
        depth: 50, 101 or 152.
        scales: number of width groups in each bottleneck.
        base_width: group width of the first stage (per 64 base channels).
        deep_stem / avg_down: ResNet-D tricks (the converted zoo models use neither).
        Other arguments as :class:`ResNet`.
    """

    arch_settings = bottleneck_arch_settings(Bottle2neck)

    def __init__(self,
                 scales: int = 4,
                 base_width: int = 26,
                 style: str = 'pytorch',
                 deep_stem: bool = True,
                 avg_down: bool = True,
                 init_cfg=None,
                 **kwargs) -> None:
        self.scales = scales
        self.base_width = base_width
        super().__init__(style=style, deep_stem=deep_stem, avg_down=avg_down, init_cfg=init_cfg,
                         **kwargs)

    def make_res_layer(self, **kwargs) -> nn.Module:
        return Res2Layer(scales=self.scales, base_width=self.base_width,
                         base_channels=self.base_channels, **kwargs)


__all__ = ['Res2Net', 'Bottle2neck']
