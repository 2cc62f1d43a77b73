"""RegNet (Radosavovic et al., 2020): ResNeXt-style networks with quantised linear widths."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mmcls.registry import MODELS
from ..utils.arch_lookup import lookup_arch
from .resnet import Bottleneck, ResNet

# RegNetX design-space parameters: initial width w0, slope wa, width multiplier wm, group width,
# depth (total blocks) and bottleneck multiplier.
arch_settings = {
    'regnetx_400mf': dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, bot_mul=1.0),
    'regnetx_800mf': dict(w0=56, wa=35.73, wm=2.28, group_w=16, depth=16, bot_mul=1.0),
    'regnetx_1.6gf': dict(w0=80, wa=34.01, wm=2.25, group_w=24, depth=18, bot_mul=1.0),
    'regnetx_3.2gf': dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0),
    'regnetx_4.0gf': dict(w0=96, wa=38.65, wm=2.43, group_w=40, depth=23, bot_mul=1.0),
    'regnetx_6.4gf': dict(w0=184, wa=60.83, wm=2.07, group_w=56, depth=17, bot_mul=1.0),
    'regnetx_8.0gf': dict(w0=80, wa=49.56, wm=2.88, group_w=120, depth=23, bot_mul=1.0),
    'regnetx_12gf': dict(w0=168, wa=73.36, wm=2.37, group_w=112, depth=19, bot_mul=1.0),
}


def generate_regnet(w0: int, wa: float, wm: float, depth: int,
                    divisor: int = 8) -> Tuple[List[int], int]:
    """Per-block widths: the linear rule ``w0 + wa * j`` quantised to powers of ``wm``."""
    if not (wa >= 0 and w0 > 0 and wm > 1 and w0 % divisor == 0):
        raise ValueError(f'invalid RegNet parameters w0={w0}, wa={wa}, wm={wm}')
    widths_cont = np.arange(depth) * wa + w0
    ks = np.round(np.log(widths_cont / w0) / np.log(wm))
    widths = w0 * np.power(wm, ks)
    widths = np.round(np.divide(widths, divisor)) * divisor
    return widths.astype(int).tolist(), len(np.unique(widths))


def get_stages_from_blocks(widths: List[int]) -> Tuple[List[int], List[int]]:
    """Group consecutive blocks of equal width into stages: (stage widths, blocks per stage)."""
    diffs = [w != prev for w, prev in zip(widths + [0], [0] + widths)]
    stage_widths = [w for w, d in zip(widths, diffs[:-1]) if d]
    stage_blocks = np.diff([i for i, d in enumerate(diffs) if d]).tolist()
    return stage_widths, stage_blocks


def quantize_float(number: float, divisor: int) -> int:
    """The multiple of ``divisor`` nearest to ``number``."""
    return int(round(number / divisor) * divisor)


def adjust_width_group(widths: List[int], bottleneck_ratio: List[float],
                       groups: List[int]) -> Tuple[List[int], List[int]]:
    """Make every bottleneck width a multiple of its group width."""
    bottleneck_width = [int(w * b) for w, b in zip(widths, bottleneck_ratio)]
    groups = [min(g, w_bot) for g, w_bot in zip(groups, bottleneck_width)]
    bottleneck_width = [quantize_float(w_bot, g) for w_bot, g in zip(bottleneck_width, groups)]
    widths = [int(w_bot / b) for w_bot, b in zip(bottleneck_width, bottleneck_ratio)]
    return widths, groups


@MODELS.register_module()
class RegNet(ResNet):
    """RegNet backbone: a 3x3 stride-2 stem (no max-pool) and four ResNeXt-bottleneck stages.

    Args:
        arch: one of ``arch_settings`` ('regnetx_400mf' ... 'regnetx_12gf') or a dict with
            ``w0``, ``wa``, ``wm``, ``group_w``, ``depth`` and ``bot_mul``.
        stem_channels: stem output channels.
        strides / dilations: per stage, one entry for each stage the arch gives.
        deep_stem: accepted for ResNet signature compatibility; only False is valid.
        **kwargs: ``out_indices``, ``style``, ``avg_down``, ``frozen_stages``, ``conv_cfg``,
            ``norm_cfg``, ``norm_eval``, ``with_cp``, ``zero_init_residual`` and
            ``drop_path_rate``, as :class:`ResNet`.

    The width rules are the module-level functions :func:`generate_regnet`,
    :func:`get_stages_from_blocks`, :func:`adjust_width_group` and :func:`quantize_float`,
    also reachable as methods of the same names.
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 stem_channels: int = 32,
                 base_channels: int = 32,
                 strides: Sequence[int] = (2, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 deep_stem: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None,
                 **kwargs) -> None:
        if deep_stem:
            raise ValueError('RegNet: deep_stem=True is not a RegNet option (its stem is one '
                             '3x3 stride-2 convolution); use ResNetV1c/V1d for a deep stem')
        if isinstance(arch, str):
            arch = lookup_arch(arch, self.arch_settings, 'RegNet')
        elif not isinstance(arch, dict):
            raise TypeError(f'RegNet: arch must be a str or a dict, got {type(arch).__name__}')
        widths, num_stages = self.generate_regnet(arch['w0'], arch['wa'], arch['wm'],
                                                  arch['depth'])
        stage_widths, self.stage_blocks = self.get_stages_from_blocks(widths)
        self.bottleneck_ratio = [arch['bot_mul']] * num_stages
        self.stage_widths, self.group_widths = self.adjust_width_group(
            stage_widths, self.bottleneck_ratio, [arch['group_w']] * num_stages)
        if not 1 <= num_stages <= 4:
            raise ValueError(f'RegNet: arch gives {num_stages} stages, expected 1-4')
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(f'RegNet: strides and dilations need {num_stages} entries')
        super().__init__(sum(self.stage_blocks), in_channels, stem_channels, base_channels,
                         num_stages=num_stages, strides=strides, dilations=dilations,
                         deep_stem=False, init_cfg=init_cfg, **kwargs)

    def generate_regnet(self, initial_width: int, width_slope: float, width_parameter: float,
                        depth: int, divisor: int = 8) -> Tuple[List[int], int]:
        """Per-block widths and the number of stages, as :func:`generate_regnet`."""
        return generate_regnet(initial_width, width_slope, width_parameter, depth, divisor)

    quantize_float = staticmethod(quantize_float)

    def adjust_width_group(self, widths: List[int], bottleneck_ratio: List[float],
                           groups: List[int]) -> Tuple[List[int], List[int]]:
        """Widths and groups made compatible, as :func:`adjust_width_group`."""
        return adjust_width_group(widths, bottleneck_ratio, groups)

    def get_stages_from_blocks(self, widths: List[int]) -> Tuple[List[int], List[int]]:
        """Stage widths and blocks per stage, as :func:`get_stages_from_blocks`."""
        return get_stages_from_blocks(widths)

    def _stage_layout(self, depth: int, num_stages: int,
                      expansion: Optional[int]) -> List[dict]:
        """Grouped bottlenecks of expansion 1 at the stage widths the arch gives."""
        layout = []
        for i, (width, group_width) in enumerate(zip(self.stage_widths, self.group_widths)):
            bottleneck_width = int(round(width * self.bottleneck_ratio[i]))
            layout.append(dict(block=Bottleneck, num_blocks=self.stage_blocks[i],
                               out_channels=width, expansion=1, base_channels=width,
                               groups=bottleneck_width // group_width,
                               width_per_group=group_width))
        return layout

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        self._make_conv_stem(in_channels, stem_channels, kernel_size=3, stride=2)

    def _forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.norm1(self.conv1(x)))


__all__ = ['RegNet', 'generate_regnet']
