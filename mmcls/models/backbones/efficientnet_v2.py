"""EfficientNetV2 (Tan & Le, 2021): fused-MBConv early stages, MBConv with SE later."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, DropPath, InvertedResidual, Sequential
from ..utils.arch_lookup import lookup_arch
from .efficientnet import MBCONV_NET_INIT_CFG, EdgeResidual, MBConvNet

# The stage kinds, in order: kernel size, stride, expand ratio, SE ratio, block type (-1 plain
# conv with skip, 0 fused-MBConv, 1 MBConv). The medium and larger models have all seven, the
# others the first six; a final 1x1 conv (block type -2) follows.
STAGE_KINDS = [(3, 1, 1, 0.0, -1), (3, 2, 4, 0.0, 0), (3, 2, 4, 0.0, 0), (3, 2, 4, 0.25, 1),
               (3, 1, 6, 0.25, 1), (3, 2, 6, 0.25, 1), (3, 1, 6, 0.25, 1)]
FINAL_CONV_KIND = (1, 1, 1, 0.0, -2)


def stage_rows(repeats: Sequence[int], widths: Sequence[int]) -> List[list]:
    """One row per stage, then the final conv: repeats, kernel size, stride, expand ratio, in
    channels, out channels, SE ratio, block type.

    ``widths`` are the stem's output channels, then each stage's, then the final conv's.
    """
    if len(widths) != len(repeats) + 2:
        raise ValueError(f'{len(repeats)} stages need {len(repeats) + 2} widths, got {widths}')
    kinds = [*STAGE_KINDS[:len(repeats)], FINAL_CONV_KIND]
    return [[num, kernel, stride, expand, in_channels, out_channels, se_ratio, block_type]
            for num, (kernel, stride, expand, se_ratio, block_type), in_channels, out_channels
            in zip([*repeats, 1], kinds, widths[:-1], widths[1:])]


arch_settings = {
    **dict.fromkeys(['small', 's'], stage_rows((2, 4, 4, 6, 9, 15),
                                               (24, 24, 48, 64, 128, 160, 256, 1280))),
    **dict.fromkeys(['m', 'medium'], stage_rows((3, 5, 5, 7, 14, 18, 5),
                                                (24, 24, 48, 80, 160, 176, 304, 512, 1280))),
    **dict.fromkeys(['l', 'large'], stage_rows((4, 7, 7, 10, 19, 25, 7),
                                               (32, 32, 64, 96, 192, 224, 384, 640, 1280))),
    **dict.fromkeys(['xl', 'xlarge'], stage_rows((4, 8, 8, 16, 24, 32, 8),
                                                 (32, 32, 64, 96, 192, 256, 512, 640, 1280))),
    'b0': stage_rows((1, 2, 2, 3, 5, 8), (32, 16, 32, 48, 96, 112, 192, 1280)),
    'b1': stage_rows((2, 3, 3, 4, 6, 9), (32, 16, 32, 48, 96, 112, 192, 1280)),
    'b2': stage_rows((2, 3, 3, 4, 6, 10), (32, 16, 32, 56, 104, 120, 208, 1408)),
    'b3': stage_rows((2, 3, 3, 5, 7, 12), (40, 16, 40, 56, 112, 136, 232, 1536)),
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
class EfficientNetV2(MBConvNet):
    """EfficientNetV2 backbone.

    Args:
        arch: 'b0'-'b3', 's'/'small', 'm'/'medium', 'l'/'large', 'xl'/'xlarge'.
        in_channels: channels of the input image.
        drop_path_rate: stochastic-depth rate, increased linearly over the blocks.
        out_indices: stages to output (0 is the stem, -1 the final 1x1 conv).
        frozen_stages: freeze the first ``frozen_stages`` stages (0 freezes nothing).

    ``arch_settings`` maps each arch to its rows ``[repeats, kernel size, stride, expand ratio,
    in channels, out channels, SE ratio, block type]``, one per stage and the final 1x1 conv.
    """
    arch_settings = arch_settings

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
                 init_cfg: Optional[Union[dict, List[dict]]] = MBCONV_NET_INIT_CFG) -> None:
        self.arch = lookup_arch(arch, self.arch_settings, 'EfficientNetV2')
        # the stem plus one stage per row
        super().__init__(len(self.arch) + 1, drop_path_rate, out_indices, frozen_stages,
                         conv_cfg, norm_cfg, act_cfg, norm_eval, with_cp, init_cfg)
        self.in_channels = in_channels
        self.out_channels = self.arch[-1][5]
        self.make_layers()

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
            se_cfg = self._se_cfg(mid_channels, expand_ratio * (1.0 / se_ratio))
        block = EdgeResidual if block_type == 0 else InvertedResidual
        # 'SAME' padding matters only for strided convs; symmetric padding is equal otherwise.
        conv_cfg = self.conv_cfg if stride == 2 else None
        return block(in_channels, out_channels, mid_channels, kernel_size=kernel_size,
                     stride=stride, se_cfg=se_cfg, conv_cfg=conv_cfg,
                     drop_path_rate=drop_path_rate, with_cp=self.with_cp, **norm_act)

    def make_layers(self) -> None:
        """Append the stem, the MBConv / fused-MBConv stages and the final 1x1 conv."""
        stem_channels = self.arch[0][4]
        self.layers.append(ConvModule(self.in_channels, stem_channels, 3, stride=2,
                                      conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                      act_cfg=self.act_cfg))
        in_channels = stem_channels
        stages = self.arch[:-1]
        dpr = self._drop_path_rates(sum(row[0] for row in stages))
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


__all__ = ['EfficientNetV2', 'EnhancedConvModule']
