"""MobileNetV3 (Howard et al., 2019): NAS-found inverted residuals with SE and hard-swish."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, InvertedResidual
from ..utils.arch_lookup import lookup_arch
from ..utils.frozen_stages import check_frozen_stages
from .base_backbone import BaseBackbone, normalize_out_indices

# The block layouts: kernel size, with SE, activation and stride of each block. The small
# models share one; they differ in widths only.
SMALL_LAYOUT = [(3, True, 'ReLU', 2), (3, False, 'ReLU', 2), (3, False, 'ReLU', 1),
                *[(5, True, 'HSwish', stride) for stride in (2, 1, 1, 1, 1, 2, 1, 1)]]
LARGE_LAYOUT = [(3, False, 'ReLU', 1), (3, False, 'ReLU', 2), (3, False, 'ReLU', 1),
                (5, True, 'ReLU', 2), (5, True, 'ReLU', 1), (5, True, 'ReLU', 1),
                *[(3, False, 'HSwish', stride) for stride in (2, 1, 1, 1)],
                (3, True, 'HSwish', 1), (3, True, 'HSwish', 1),
                *[(5, True, 'HSwish', stride) for stride in (2, 1, 1)]]


def block_rows(layout: list, mid_channels: Sequence[int],
               out_channels: Sequence[int]) -> List[list]:
    """One row per block: kernel size, mid (expanded) channels, out channels, with SE,
    activation, stride."""
    if not len(layout) == len(mid_channels) == len(out_channels):
        raise ValueError(f'{len(layout)} blocks need as many mid and out channels, got '
                         f'{mid_channels} and {out_channels}')
    return [[kernel, mid, out, with_se, act, stride]
            for (kernel, with_se, act, stride), mid, out
            in zip(layout, mid_channels, out_channels)]


arch_settings = {
    'small': block_rows(SMALL_LAYOUT, (16, 72, 88, 96, 240, 240, 120, 144, 288, 576, 576),
                        (16, 24, 24, 40, 40, 40, 48, 48, 96, 96, 96)),
    'small_075': block_rows(SMALL_LAYOUT, (16, 72, 88, 96, 192, 192, 96, 120, 240, 432, 432),
                            (16, 24, 24, 32, 32, 32, 40, 40, 72, 72, 72)),
    'small_050': block_rows(SMALL_LAYOUT, (16, 40, 56, 64, 144, 144, 72, 72, 144, 288, 288),
                            (8, 16, 16, 24, 24, 24, 24, 24, 48, 48, 48)),
    'large': block_rows(LARGE_LAYOUT,
                        (16, 64, 72, 72, 120, 120, 240, 200, 184, 184, 480, 672, 672, 960, 960),
                        (16, 24, 24, 40, 40, 40, 80, 80, 80, 80, 112, 112, 160, 160, 160)),
}


@MODELS.register_module()
class MobileNetV3(BaseBackbone):
    """MobileNetV3 backbone.

    Layers are ``layer0`` (stem), ``layer1..layerN`` (one inverted residual each) and a final 1x1
    conv ``layer{N+1}``; ``out_indices`` count in that order.

    Args:
        arch: 'small', 'small_075', 'small_050' or 'large'.
        out_indices: layers to output; default the last one (12 for small, 16 for large).
        frozen_stages: freeze ``layer0..layer{frozen_stages}`` (-1 freezes nothing).

    ``arch_settings`` maps each arch to its block rows: kernel size, mid channels, out channels,
    with SE, activation, stride.
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: str = 'small',
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', eps=0.001, momentum=0.01),
                 out_indices: Optional[Union[int, Sequence[int]]] = None,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer=['Conv2d'], nonlinearity='leaky_relu'),
                     dict(type='Normal', layer=['Linear'], std=0.01),
                     dict(type='Constant', layer=['BatchNorm2d'], val=1)
                 ]) -> None:
        super().__init__(init_cfg)
        num_layers = len(lookup_arch(arch, self.arch_settings, 'MobileNetV3')) + 2
        if out_indices is None:
            out_indices = (num_layers - 1, )
        self.out_indices = normalize_out_indices(out_indices, num_layers, 'MobileNetV3')
        check_frozen_stages(frozen_stages, -1, num_layers - 1, 'MobileNetV3')
        self.arch = arch
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.layers = self._make_layers()
        self.feat_dim = self.arch_settings[arch][-1][1]

    def _make_layers(self) -> List[str]:
        settings = self.arch_settings[self.arch]
        in_channels = 16
        self.add_module('layer0', ConvModule(3, in_channels, 3, stride=2, padding=1,
                                             conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                             act_cfg=dict(type='HSwish')))
        names = ['layer0']
        for i, (kernel_size, mid_channels, out_channels, with_se, act,
                stride) in enumerate(settings):
            se_cfg = None
            if with_se:
                se_cfg = dict(channels=mid_channels, ratio=4,
                              act_cfg=(dict(type='ReLU'),
                                       dict(type='HSigmoid', bias=3, divisor=6, min_value=0,
                                            max_value=1)))
            self.add_module(f'layer{i + 1}', InvertedResidual(
                in_channels, out_channels, mid_channels, kernel_size=kernel_size, stride=stride,
                se_cfg=se_cfg, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                act_cfg=dict(type=act), with_cp=self.with_cp))
            names.append(f'layer{i + 1}')
            in_channels = out_channels
        last_name = f'layer{len(settings) + 1}'
        self.add_module(last_name, ConvModule(in_channels, settings[-1][1], 1,
                                              conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                                              act_cfg=dict(type='HSwish')))
        names.append(last_name)
        return names

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(x, map(self.get_submodule, self.layers))

    def _frozen_modules(self) -> List[nn.Module]:
        return [self.get_submodule(name) for name in self.layers[:self.frozen_stages + 1]]


__all__ = ['MobileNetV3']
