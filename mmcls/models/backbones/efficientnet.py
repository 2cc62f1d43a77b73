"""EfficientNet (Tan & Le, 2019) and EfficientNet-EdgeTPU: compound-scaled MBConv networks."""
import copy
import math
from functools import partial
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, InvertedResidual, SELayer, Sequential, make_divisible
from ..utils.arch_lookup import lookup_arch
from ..utils.frozen_stages import check_frozen_stages
from ..utils.inverted_residual import MBConvBase
from .base_backbone import BaseBackbone, normalize_out_indices

# arch -> (width factor, depth factor, native resolution); EfficientNets, then EdgeTPU models
arch_settings = {
    'b0': (1.0, 1.0, 224), 'b1': (1.0, 1.1, 240), 'b2': (1.1, 1.2, 260), 'b3': (1.2, 1.4, 300),
    'b4': (1.4, 1.8, 380), 'b5': (1.6, 2.2, 456), 'b6': (1.8, 2.6, 528), 'b7': (2.0, 3.1, 600),
    'b8': (2.2, 3.6, 672), 'l2': (4.3, 5.3, 800),
    'es': (1.0, 1.0, 224), 'em': (1.0, 1.1, 240), 'el': (1.2, 1.4, 300),
}

# Base layer settings of the 'b' (EfficientNet) and 'e' (EdgeTPU) families. One list per stage,
# one row per block: kernel size, out channels, SE ratio (0 = no SE), stride, expand ratio,
# block type (-1 ConvModule, 0 InvertedResidual, 1 EdgeResidual).
layer_settings = {
    'b': [[[3, 32, 0, 2, 0, -1]],
          [[3, 16, 4, 1, 1, 0]],
          [[3, 24, 4, 2, 6, 0], [3, 24, 4, 1, 6, 0]],
          [[5, 40, 4, 2, 6, 0], [5, 40, 4, 1, 6, 0]],
          [[3, 80, 4, 2, 6, 0], [3, 80, 4, 1, 6, 0], [3, 80, 4, 1, 6, 0],
           [5, 112, 4, 1, 6, 0], [5, 112, 4, 1, 6, 0], [5, 112, 4, 1, 6, 0]],
          [[5, 192, 4, 2, 6, 0], [5, 192, 4, 1, 6, 0], [5, 192, 4, 1, 6, 0],
           [5, 192, 4, 1, 6, 0], [3, 320, 4, 1, 6, 0]],
          [[1, 1280, 0, 1, 0, -1]]],
    'e': [[[3, 32, 0, 2, 0, -1]],
          [[3, 24, 0, 1, 3, 1]],
          [[3, 32, 0, 2, 8, 1], [3, 32, 0, 1, 8, 1]],
          [[3, 48, 0, 2, 8, 1], [3, 48, 0, 1, 8, 1], [3, 48, 0, 1, 8, 1], [3, 48, 0, 1, 8, 1]],
          [[5, 96, 0, 2, 8, 0], [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0], [5, 96, 0, 1, 8, 0],
           [5, 96, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0], [5, 144, 0, 1, 8, 0],
           [5, 144, 0, 1, 8, 0]],
          [[5, 192, 0, 2, 8, 0], [5, 192, 0, 1, 8, 0]],
          [[1, 1280, 0, 1, 0, -1]]],
}


class EdgeResidual(MBConvBase):
    """Fused MBConv (EfficientNet-EdgeTPU, EfficientNetV2): kxk expand -> (SE) -> 1x1 project.

    Args:
        with_residual: allow the identity shortcut (used when also ``stride == 1`` and the channel
            counts match).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 mid_channels: int,
                 kernel_size: int = 3,
                 stride: int = 1,
                 se_cfg: Optional[dict] = None,
                 with_residual: bool = True,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 drop_path_rate: float = 0.,
                 with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(stride, se_cfg, drop_path_rate, with_cp, init_cfg)
        self.with_residual = stride == 1 and in_channels == out_channels and with_residual
        self.conv1 = ConvModule(in_channels, mid_channels, kernel_size, stride=stride,
                                padding=kernel_size // 2, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.conv2 = ConvModule(mid_channels, out_channels, 1, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg, act_cfg=None)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._squeeze_project(x, self.conv1(x), self.conv2, self.with_residual)


def _split_by_channels(stage: list) -> List[list]:
    """Split a stage into runs of consecutive blocks with the same output channels."""
    bounds = [0] + [i + 1 for i in range(len(stage) - 1) if stage[i + 1][1] != stage[i][1]]
    bounds.append(len(stage))
    return [stage[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def model_scaling(layer_setting: list, arch_setting: tuple) -> list:
    """Scale the widths (rounded to multiples of 8) and depths (ceil) of a base layer setting.

    Stages are split where the channel count changes, each run is repeated ``ceil(depth * n)``
    times, and runs that do not downsample are merged back into the previous stage.
    """
    width, depth = arch_setting[0], arch_setting[1]
    scaled = copy.deepcopy(layer_setting)
    for stage in scaled:
        for block in stage:
            block[1] = make_divisible(block[1] * width, 8)

    runs = [run for stage in scaled[1:-1] for run in _split_by_channels(stage)]
    merged = [scaled[0]]
    for i, run in enumerate(runs):
        num_blocks = int(math.ceil(depth * len(run)))
        if num_blocks <= len(run):
            new_run = run[:num_blocks]
        else:
            new_run = copy.deepcopy(run) + [run[-1]] * (num_blocks - len(run))
        if new_run[0][3] == 1 and i != 0:
            merged[-1] += new_run.copy()
        else:
            merged.append(new_run.copy())
    merged.append(scaled[-1])
    return merged


# Kaiming-initialised convolutions and unit norms, the init of EfficientNet and EfficientNetV2.
MBCONV_NET_INIT_CFG = [
    dict(type='Kaiming', layer='Conv2d'),
    dict(type='Constant', layer=['_BatchNorm', 'GroupNorm'], val=1)
]


class MBConvNet(BaseBackbone):
    """What EfficientNet and EfficientNetV2 share: ``layers`` (the stem conv, the stages, the
    final 1x1 conv) run in turn, ``out_indices`` counting them; the first ``frozen_stages``
    of them frozen (0 freezes nothing); stochastic depth rising linearly over the blocks; SE
    gates whose squeeze width is relative to the block input."""

    def __init__(self, num_stages: int, drop_path_rate: float,
                 out_indices: Union[int, Sequence[int]], frozen_stages: int,
                 conv_cfg: Optional[dict], norm_cfg: dict, act_cfg: dict, norm_eval: bool,
                 with_cp: bool, init_cfg: Optional[Union[dict, List[dict]]]) -> None:
        super().__init__(init_cfg)
        name = type(self).__name__
        self.out_indices = normalize_out_indices(out_indices, num_stages, name)
        check_frozen_stages(frozen_stages, 0, num_stages, name)
        self.drop_path_rate, self.frozen_stages = drop_path_rate, frozen_stages
        self.norm_eval, self.with_cp = norm_eval, with_cp
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.layers = nn.ModuleList()

    def _drop_path_rates(self, num_blocks: int) -> List[float]:
        return [x.item() for x in torch.linspace(0, self.drop_path_rate, num_blocks)]

    def _se_cfg(self, mid_channels: int, ratio: float) -> dict:
        """SE on ``mid_channels`` squeezed ``ratio`` times (expand ratio / SE ratio of the
        block input)."""
        return dict(channels=mid_channels, ratio=ratio, divisor=1,
                    act_cfg=(self.act_cfg, dict(type='Sigmoid')))

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(x, self.layers)

    def _frozen_modules(self) -> List[nn.Module]:
        return list(self.layers[:self.frozen_stages])


@MODELS.register_module()
class EfficientNet(MBConvNet):
    """EfficientNet backbone.

    Args:
        arch: 'b0'-'b8', 'l2' (EfficientNet) or 'es', 'em', 'el' (EdgeTPU).
        drop_path_rate: stochastic-depth rate, increased linearly over the blocks.
        out_indices: stages to output (0 is the stem, the last one the 1x1 head conv).
        frozen_stages: freeze the first ``frozen_stages`` stages (0 freezes nothing).
        conv_cfg: default ``Conv2dAdaptivePadding`` reproduces TensorFlow 'SAME' padding.

    ``arch_settings`` maps each arch to its (width factor, depth factor, resolution);
    ``layer_settings`` holds the unscaled per-stage block rows of the 'b' and 'e' families.
    """
    arch_settings = arch_settings
    layer_settings = layer_settings

    def __init__(self,
                 arch: str = 'b0',
                 drop_path_rate: float = 0.,
                 out_indices: Union[int, Sequence[int]] = (6, ),
                 frozen_stages: int = 0,
                 conv_cfg: Optional[dict] = dict(type='Conv2dAdaptivePadding'),
                 norm_cfg: dict = dict(type='BN', eps=1e-3),
                 act_cfg: dict = dict(type='Swish'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = MBCONV_NET_INIT_CFG) -> None:
        self.arch = lookup_arch(arch, self.arch_settings, 'EfficientNet')
        # 'b*' and 'l2' are EfficientNets, 'e*' are EdgeTPU models.
        base_setting = self.layer_settings['e' if arch.startswith('e') else 'b']
        super().__init__(len(base_setting), drop_path_rate, out_indices, frozen_stages,
                         conv_cfg, norm_cfg, act_cfg, norm_eval, with_cp, init_cfg)
        self.layer_setting = model_scaling(base_setting, self.arch)

        stem, head = self.layer_setting[0][0], self.layer_setting[-1][0]
        self.in_channels = make_divisible(stem[1], 8)
        self.out_channels = head[1]
        self.layers.append(ConvModule(3, self.in_channels, stem[0], stride=stem[3],
                                      conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.make_layer()
        # Stages after the last output index are not built (saves memory as a detector backbone).
        if len(self.layers) < max(self.out_indices) + 1:
            self.layers.append(ConvModule(self.in_channels, self.out_channels, head[0],
                                          stride=head[3], conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                          act_cfg=act_cfg))

    def make_layer(self) -> None:
        """Append the MBConv stages (scaled ``layer_setting`` rows) up to the last output."""
        stages = self.layer_setting[1:-1]
        dpr = self._drop_path_rates(sum(len(stage) for stage in stages))
        block_idx = 0
        for stage_idx, stage in enumerate(stages):
            if stage_idx > max(self.out_indices) - 1:
                break
            blocks = []
            for i, (kernel_size, out_channels, se_ratio, stride, expand_ratio,
                    block_type) in enumerate(stage):
                out_channels = make_divisible(out_channels, 8)
                if block_type == 1:
                    # EdgeTPU: a later block with expand ratio 3 becomes a non-residual x4 block.
                    with_residual = not (i > 0 and expand_ratio == 3)
                    if not with_residual:
                        expand_ratio = 4
                    block = partial(EdgeResidual, with_residual=with_residual)
                else:
                    block = InvertedResidual
                mid_channels = int(self.in_channels * expand_ratio)
                se_cfg = (self._se_cfg(mid_channels, expand_ratio * se_ratio)
                          if se_ratio > 0 else None)
                blocks.append(block(
                    in_channels=self.in_channels, out_channels=out_channels,
                    mid_channels=mid_channels, kernel_size=kernel_size, stride=stride,
                    se_cfg=se_cfg, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg, drop_path_rate=dpr[block_idx], with_cp=self.with_cp))
                self.in_channels = out_channels
                block_idx += 1
            self.layers.append(Sequential(*blocks))


__all__ = ['EfficientNet', 'EdgeResidual', 'model_scaling']
