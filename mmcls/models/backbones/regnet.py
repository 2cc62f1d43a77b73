"""RegNet (Radosavovic et al., 2020): ResNeXt-style networks with quantised linear widths."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import build_conv_layer, build_norm_layer
from .base_backbone import BaseBackbone, normalize_out_indices
from .resnet import DEFAULT_NORM, Bottleneck, ResLayer, ResNet

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


def adjust_width_group(widths: List[int], bottleneck_ratio: List[float],
                       groups: List[int]) -> Tuple[List[int], List[int]]:
    """Make every bottleneck width a multiple of its group width."""
    bottleneck_width = [int(w * b) for w, b in zip(widths, bottleneck_ratio)]
    groups = [min(g, w_bot) for g, w_bot in zip(groups, bottleneck_width)]
    bottleneck_width = [int(round(w_bot / g) * g) for w_bot, g in zip(bottleneck_width, groups)]
    widths = [int(w_bot / b) for w_bot, b in zip(bottleneck_width, bottleneck_ratio)]
    return widths, groups


@MODELS.register_module()
class RegNet(ResNet):
    """RegNet backbone: a 3x3 stride-2 stem (no max-pool) and four ResNeXt-bottleneck stages.

    Args:
        arch: one of ``arch_settings`` ('regnetx_400mf' ... 'regnetx_12gf') or a dict with
            ``w0``, ``wa``, ``wm``, ``group_w``, ``depth`` and ``bot_mul``.
        stem_channels: stem output channels.
        strides / dilations: per stage.
        deep_stem: accepted for ResNet signature compatibility; only False is valid.
        out_indices, frozen_stages, norm_eval, with_cp, zero_init_residual: as :class:`ResNet`.
    """

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 stem_channels: int = 32,
                 base_channels: int = 32,
                 strides: Sequence[int] = (2, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 out_indices: Sequence[int] = (3, ),
                 style: str = 'pytorch',
                 deep_stem: bool = False,
                 avg_down: bool = False,
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = DEFAULT_NORM,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 zero_init_residual: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        # ResNet.__init__ builds fixed-depth stages; RegNet derives its own, so skip it.
        BaseBackbone.__init__(self, init_cfg)
        if deep_stem:
            raise ValueError('RegNet: deep_stem=True is not a RegNet option (its stem is one '
                             '3x3 stride-2 convolution); use ResNetV1c/V1d for a deep stem')
        self.deep_stem = False
        if isinstance(arch, str):
            if arch not in arch_settings:
                raise KeyError(f'RegNet: unknown arch {arch!r}, choose from '
                               f'{sorted(arch_settings)}')
            arch = arch_settings[arch]
        elif not isinstance(arch, dict):
            raise TypeError(f'RegNet: arch must be a str or a dict, got {type(arch).__name__}')
        widths, num_stages = generate_regnet(arch['w0'], arch['wa'], arch['wm'], arch['depth'])
        stage_widths, stage_blocks = get_stages_from_blocks(widths)
        self.bottleneck_ratio = [arch['bot_mul']] * num_stages
        stage_widths, group_widths = adjust_width_group(stage_widths, self.bottleneck_ratio,
                                                        [arch['group_w']] * num_stages)
        if not 1 <= num_stages <= 4:
            raise ValueError(f'RegNet: arch gives {num_stages} stages, expected 1-4')
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(f'RegNet: strides and dilations need {num_stages} entries')
        self.stage_widths, self.group_widths = stage_widths, group_widths
        self.depth = sum(stage_blocks)
        self.stem_channels, self.base_channels = stem_channels, base_channels
        self.num_stages = num_stages
        self.strides, self.dilations = strides, dilations
        self.out_indices = normalize_out_indices(out_indices, num_stages, 'RegNet')
        self.style = style
        self.deep_stem = False
        self.avg_down = avg_down
        self.frozen_stages = frozen_stages
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.with_cp, self.norm_eval = with_cp, norm_eval
        self.zero_init_residual = zero_init_residual
        self.stage_blocks = stage_blocks[:num_stages]

        self._make_stem_layer(in_channels, stem_channels)
        stage_in = stem_channels
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            width = int(round(stage_widths[i] * self.bottleneck_ratio[i]))
            res_layer = ResLayer(
                block=Bottleneck, num_blocks=num_blocks, in_channels=stage_in,
                out_channels=stage_widths[i], expansion=1, stride=strides[i],
                dilation=dilations[i], style=style, avg_down=avg_down, with_cp=with_cp,
                conv_cfg=conv_cfg, norm_cfg=norm_cfg, base_channels=stage_widths[i],
                groups=width // group_widths[i], width_per_group=group_widths[i])
            stage_in = stage_widths[i]
            self.add_module(f'layer{i + 1}', res_layer)
            self.res_layers.append(f'layer{i + 1}')
        self.feat_dim = stage_widths[-1]
        self._apply_frozen_stages()

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, kernel_size=3,
                                      stride=2, padding=1, bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

    def _forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.norm1(self.conv1(x)))


__all__ = ['RegNet', 'generate_regnet']
