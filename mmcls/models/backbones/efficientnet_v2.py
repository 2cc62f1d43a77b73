"""EfficientNetV2 (Tan & Le, 2021): fused-MBConv early stages, MBConv with SE later."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, DropPath, InvertedResidual, Sequential
from .base_backbone import BaseBackbone, normalize_out_indices
from .efficientnet import EdgeResidual

# One row per stage: repeats, kernel size, stride, expand ratio, in channels, out channels,
# SE ratio, block type (-1 plain conv with skip, 0 fused-MBConv, 1 MBConv, -2 final 1x1 conv).
arch_settings = {
    **dict.fromkeys(['small', 's'], [
        [2, 3, 1, 1, 24, 24, 0.0, -1], [4, 3, 2, 4, 24, 48, 0.0, 0],
        [4, 3, 2, 4, 48, 64, 0.0, 0], [6, 3, 2, 4, 64, 128, 0.25, 1],
        [9, 3, 1, 6, 128, 160, 0.25, 1], [15, 3, 2, 6, 160, 256, 0.25, 1],
        [1, 1, 1, 1, 256, 1280, 0.0, -2]]),
    **dict.fromkeys(['m', 'medium'], [
        [3, 3, 1, 1, 24, 24, 0.0, -1], [5, 3, 2, 4, 24, 48, 0.0, 0],
        [5, 3, 2, 4, 48, 80, 0.0, 0], [7, 3, 2, 4, 80, 160, 0.25, 1],
        [14, 3, 1, 6, 160, 176, 0.25, 1], [18, 3, 2, 6, 176, 304, 0.25, 1],
        [5, 3, 1, 6, 304, 512, 0.25, 1], [1, 1, 1, 1, 512, 1280, 0.0, -2]]),
    **dict.fromkeys(['l', 'large'], [
        [4, 3, 1, 1, 32, 32, 0.0, -1], [7, 3, 2, 4, 32, 64, 0.0, 0],
        [7, 3, 2, 4, 64, 96, 0.0, 0], [10, 3, 2, 4, 96, 192, 0.25, 1],
        [19, 3, 1, 6, 192, 224, 0.25, 1], [25, 3, 2, 6, 224, 384, 0.25, 1],
        [7, 3, 1, 6, 384, 640, 0.25, 1], [1, 1, 1, 1, 640, 1280, 0.0, -2]]),
    **dict.fromkeys(['xl', 'xlarge'], [
        [4, 3, 1, 1, 32, 32, 0.0, -1], [8, 3, 2, 4, 32, 64, 0.0, 0],
        [8, 3, 2, 4, 64, 96, 0.0, 0], [16, 3, 2, 4, 96, 192, 0.25, 1],
        [24, 3, 1, 6, 192, 256, 0.25, 1], [32, 3, 2, 6, 256, 512, 0.25, 1],
        [8, 3, 1, 6, 512, 640, 0.25, 1], [1, 1, 1, 1, 640, 1280, 0.0, -2]]),
    'b0': [[1, 3, 1, 1, 32, 16, 0.0, -1], [2, 3, 2, 4, 16, 32, 0.0, 0],
           [2, 3, 2, 4, 32, 48, 0.0, 0], [3, 3, 2, 4, 48, 96, 0.25, 1],
           [5, 3, 1, 6, 96, 112, 0.25, 1], [8, 3, 2, 6, 112, 192, 0.25, 1],
           [1, 1, 1, 1, 192, 1280, 0.0, -2]],
    'b1': [[2, 3, 1, 1, 32, 16, 0.0, -1], [3, 3, 2, 4, 16, 32, 0.0, 0],
           [3, 3, 2, 4, 32, 48, 0.0, 0], [4, 3, 2, 4, 48, 96, 0.25, 1],
           [6, 3, 1, 6, 96, 112, 0.25, 1], [9, 3, 2, 6, 112, 192, 0.25, 1],
           [1, 1, 1, 1, 192, 1280, 0.0, -2]],
    'b2': [[2, 3, 1, 1, 32, 16, 0.0, -1], [3, 3, 2, 4, 16, 32, 0.0, 0],
           [3, 3, 2, 4, 32, 56, 0.0, 0], [4, 3, 2, 4, 56, 104, 0.25, 1],
           [6, 3, 1, 6, 104, 120, 0.25, 1], [10, 3, 2, 6, 120, 208, 0.25, 1],
           [1, 1, 1, 1, 208, 1408, 0.0, -2]],
    'b3': [[2, 3, 1, 1, 40, 16, 0.0, -1], [3, 3, 2, 4, 16, 40, 0.0, 0],
           [3, 3, 2, 4, 40, 56, 0.0, 0], [5, 3, 2, 4, 56, 112, 0.25, 1],
           [7, 3, 1, 6, 112, 136, 0.25, 1], [12, 3, 2, 6, 136, 232, 0.25, 1],
           [1, 1, 1, 1, 232, 1536, 0.0, -2]],
}


class EnhancedConvModule(ConvModule):
    """ConvModule with an optional identity shortcut (with stochastic depth) around it."""

    def __init__(self, *args, has_skip: bool = False, drop_path_rate: float = 0.,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.has_skip = has_skip
        if has_skip and (self.in_channels != self.out_channels or self.conv.stride != (1, 1)):
            raise ValueError('EnhancedConvModule: a skip connection needs equal in/out channels '
                             f'and stride 1, got {self.in_channels}->{self.out_channels}, '
                             f'stride {self.conv.stride}')
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        out = super().forward(x, **kwargs)
        return x + self.drop_path(out) if self.has_skip else out


@MODELS.register_module()
class EfficientNetV2(BaseBackbone):
    """EfficientNetV2 backbone.

    Args:
        arch: 'b0'-'b3', 's'/'small', 'm'/'medium', 'l'/'large', 'xl'/'xlarge'.
        in_channels: channels of the input image.
        drop_path_rate: stochastic-depth rate, increased linearly over the blocks.
        out_indices: stages to output (0 is the stem, -1 the final 1x1 conv).
        frozen_stages: freeze the first ``frozen_stages`` stages (0 freezes nothing).
    """

    def __init__(self,
                 arch: str = 's',
                 in_channels: int = 3,
                 drop_path_rate: float = 0.,
                 out_indices: Union[int, Sequence[int]] = (-1, ),
                 frozen_stages: int = 0,
                 conv_cfg: Optional[dict] = dict(type='Conv2dAdaptivePadding'),
                 norm_cfg: dict = dict(type='BN', eps=1e-3, momentum=0.1),
                 act_cfg: dict = dict(type='Swish'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer='Conv2d'),
                     dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1)
                 ]) -> None:
        super().__init__(init_cfg)
        if arch not in arch_settings:
            raise KeyError(f'EfficientNetV2: unknown arch {arch!r}, choose from '
                           f'{sorted(arch_settings)}')
        self.arch = arch_settings[arch]
        num_stages = len(self.arch) + 1  # the stem plus one per row
        if frozen_stages not in range(num_stages + 1):
            raise ValueError(f'EfficientNetV2: frozen_stages must be in range(0, '
                             f'{num_stages + 1}), got {frozen_stages}')
        self.out_indices = normalize_out_indices(out_indices, num_stages, 'EfficientNetV2')
        self.drop_path_rate = drop_path_rate
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.in_channels = in_channels
        self.out_channels = self.arch[-1][5]
        self.layers = nn.ModuleList()
        self._make_layers()

    def _make_block(self, block_type: int, in_channels: int, out_channels: int, kernel_size: int,
                    stride: int, expand_ratio: float, se_ratio: float,
                    drop_path_rate: float) -> nn.Module:
        norm_act = dict(norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        if block_type == -1:
            has_skip = stride == 1 and in_channels == out_channels
            return EnhancedConvModule(in_channels, out_channels, kernel_size, stride=stride,
                                      padding=kernel_size // 2, has_skip=has_skip,
                                      drop_path_rate=drop_path_rate if has_skip else 0.,
                                      **norm_act)
        mid_channels = int(in_channels * expand_ratio)
        se_cfg = None
        if block_type == 1 and se_ratio > 0:
            # Squeeze width is se_ratio times the block *input* channels.
            se_cfg = dict(channels=mid_channels, ratio=expand_ratio * (1.0 / se_ratio),
                          divisor=1, act_cfg=(self.act_cfg, dict(type='Sigmoid')))
        block = EdgeResidual if block_type == 0 else InvertedResidual
        # 'SAME' padding matters only for strided convs; symmetric padding is equal otherwise.
        conv_cfg = self.conv_cfg if stride == 2 else None
        return block(in_channels, out_channels, mid_channels, kernel_size=kernel_size,
                     stride=stride, se_cfg=se_cfg, conv_cfg=conv_cfg,
                     drop_path_rate=drop_path_rate, with_cp=self.with_cp, **norm_act)

    def _make_layers(self) -> None:
        stem_channels = self.arch[0][4]
        self.layers.append(ConvModule(self.in_channels, stem_channels, 3, stride=2,
                                      conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                      act_cfg=self.act_cfg))
        in_channels = stem_channels
        stages = self.arch[:-1]
        total_blocks = sum(row[0] for row in stages)
        dpr = [x.item() for x in torch.linspace(0, self.drop_path_rate, total_blocks)]
        block_idx = 0
        for (repeats, kernel_size, stride, expand_ratio, _, out_channels, se_ratio,
             block_type) in stages:
            blocks = []
            for i in range(repeats):
                blocks.append(self._make_block(block_type, in_channels, out_channels,
                                               kernel_size, stride if i == 0 else 1,
                                               expand_ratio, se_ratio, dpr[block_idx]))
                in_channels = out_channels
                block_idx += 1
            self.layers.append(Sequential(*blocks))
        final = self.arch[-1]
        self.layers.append(ConvModule(in_channels, self.out_channels, final[1], stride=final[2],
                                      conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                      act_cfg=self.act_cfg))

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(x, self.layers)

    def _frozen_modules(self) -> List[nn.Module]:
        return list(self.layers[:self.frozen_stages])


__all__ = ['EfficientNetV2', 'EnhancedConvModule']
