"""MobileNetV3 (Howard et al., 2019): NAS-found inverted residuals with SE and hard-swish."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, InvertedResidual
from .base_backbone import BaseBackbone, normalize_out_indices

# One row per block: kernel size, mid (expanded) channels, out channels, with SE, activation,
# stride.
arch_settings = {
    'small': [[3, 16, 16, True, 'ReLU', 2], [3, 72, 24, False, 'ReLU', 2],
              [3, 88, 24, False, 'ReLU', 1], [5, 96, 40, True, 'HSwish', 2],
              [5, 240, 40, True, 'HSwish', 1], [5, 240, 40, True, 'HSwish', 1],
              [5, 120, 48, True, 'HSwish', 1], [5, 144, 48, True, 'HSwish', 1],
              [5, 288, 96, True, 'HSwish', 2], [5, 576, 96, True, 'HSwish', 1],
              [5, 576, 96, True, 'HSwish', 1]],
    'small_075': [[3, 16, 16, True, 'ReLU', 2], [3, 72, 24, False, 'ReLU', 2],
                  [3, 88, 24, False, 'ReLU', 1], [5, 96, 32, True, 'HSwish', 2],
                  [5, 192, 32, True, 'HSwish', 1], [5, 192, 32, True, 'HSwish', 1],
                  [5, 96, 40, True, 'HSwish', 1], [5, 120, 40, True, 'HSwish', 1],
                  [5, 240, 72, True, 'HSwish', 2], [5, 432, 72, True, 'HSwish', 1],
                  [5, 432, 72, True, 'HSwish', 1]],
    'small_050': [[3, 16, 8, True, 'ReLU', 2], [3, 40, 16, False, 'ReLU', 2],
                  [3, 56, 16, False, 'ReLU', 1], [5, 64, 24, True, 'HSwish', 2],
                  [5, 144, 24, True, 'HSwish', 1], [5, 144, 24, True, 'HSwish', 1],
                  [5, 72, 24, True, 'HSwish', 1], [5, 72, 24, True, 'HSwish', 1],
                  [5, 144, 48, True, 'HSwish', 2], [5, 288, 48, True, 'HSwish', 1],
                  [5, 288, 48, True, 'HSwish', 1]],
    'large': [[3, 16, 16, False, 'ReLU', 1], [3, 64, 24, False, 'ReLU', 2],
              [3, 72, 24, False, 'ReLU', 1], [5, 72, 40, True, 'ReLU', 2],
              [5, 120, 40, True, 'ReLU', 1], [5, 120, 40, True, 'ReLU', 1],
              [3, 240, 80, False, 'HSwish', 2], [3, 200, 80, False, 'HSwish', 1],
              [3, 184, 80, False, 'HSwish', 1], [3, 184, 80, False, 'HSwish', 1],
              [3, 480, 112, True, 'HSwish', 1], [3, 672, 112, True, 'HSwish', 1],
              [5, 672, 160, True, 'HSwish', 2], [5, 960, 160, True, 'HSwish', 1],
              [5, 960, 160, True, 'HSwish', 1]],
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
    """

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
        if arch not in arch_settings:
            raise KeyError(f'MobileNetV3: unknown arch {arch!r}, choose from '
                           f'{sorted(arch_settings)}')
        num_layers = len(arch_settings[arch]) + 2
        if out_indices is None:
            out_indices = (num_layers - 1, )
        self.out_indices = normalize_out_indices(out_indices, num_layers, 'MobileNetV3')
        if frozen_stages not in range(-1, num_layers):
            raise ValueError(f'MobileNetV3: frozen_stages must be in range(-1, {num_layers}), '
                             f'got {frozen_stages}')
        self.arch = arch
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.layers = self._make_layers()
        self.feat_dim = arch_settings[arch][-1][1]

    def _make_layers(self) -> List[str]:
        settings = arch_settings[self.arch]
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
