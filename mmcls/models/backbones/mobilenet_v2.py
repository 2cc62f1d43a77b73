"""MobileNetV2 (Sandler et al., 2018): inverted residuals with linear bottlenecks."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, make_divisible
from ..utils.base_module import BaseModule
from ..utils.conv_norm_init import CONV_NORM_INIT_CFG
from ..utils.frozen_stages import check_frozen_stages
from ..utils.grad_checkpoint import checkpointed
from .base_backbone import BaseBackbone, normalize_out_indices, stem_and_stages

# One row per stage: expand ratio, output channels, number of blocks, stride of the first block.
arch_settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                 [6, 160, 3, 2], [6, 320, 1, 1]]


class InvertedResidual(BaseModule):
    """MobileNetV2 block: (1x1 expand) -> 3x3 depthwise -> 1x1 linear projection.

    The layers live in ``self.conv`` (an ``nn.Sequential``) as in MMClassification checkpoints.
    The identity shortcut is used when ``stride == 1`` and the channel counts match.
    ``init_cfg`` initialises the block's own layers, as for any :class:`BaseModule`.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 expand_ratio: float,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'InvertedResidual: stride must be 1 or 2, got {stride}')
        self.with_cp = with_cp
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden_dim = int(round(in_channels * expand_ratio))
        layers = []
        if expand_ratio != 1:
            layers.append(ConvModule(in_channels, hidden_dim, 1, conv_cfg=conv_cfg,
                                     norm_cfg=norm_cfg, act_cfg=act_cfg))
        layers += [
            ConvModule(hidden_dim, hidden_dim, 3, stride=stride, padding=1, groups=hidden_dim,
                       conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(hidden_dim, out_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                       act_cfg=None),
        ]
        self.conv = nn.Sequential(*layers)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return checkpointed(self._forward, x, with_cp=self.with_cp)


@MODELS.register_module()
class MobileNetV2(BaseBackbone):
    """MobileNetV2 backbone.

    Args:
        widen_factor: width multiplier of every layer.
        out_indices: stages to output, 0-6 for the seven inverted-residual stages and 7 for the
            final 1x1 conv (``conv2``).
        frozen_stages: freeze ``conv1`` and stages ``1..frozen_stages`` (-1 freezes nothing).
        norm_eval: keep batch-norm layers in eval mode while training.
        with_cp: use gradient checkpointing in the blocks to save memory.

    ``arch_settings`` lists the stages, one ``[expand ratio, channels, blocks, stride]`` row each.
    """
    arch_settings = arch_settings

    def __init__(self,
                 widen_factor: float = 1.,
                 out_indices: Union[int, Sequence[int]] = (7, ),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = CONV_NORM_INIT_CFG) -> None:
        super().__init__(init_cfg)
        num_stages = len(self.arch_settings) + 1
        self.out_indices = normalize_out_indices(out_indices, num_stages, 'MobileNetV2')
        check_frozen_stages(frozen_stages, -1, num_stages - 1, 'MobileNetV2')
        self.widen_factor = widen_factor
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        conv_kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.in_channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = ConvModule(3, self.in_channels, 3, stride=2, padding=1, **conv_kwargs)

        self.layers = []
        for i, (expand_ratio, channel, num_blocks, stride) in enumerate(self.arch_settings):
            out_channels = make_divisible(channel * widen_factor, 8)
            self.add_module(f'layer{i + 1}',
                            self.make_layer(out_channels, num_blocks, stride, expand_ratio))
            self.layers.append(f'layer{i + 1}')

        self.out_channel = int(1280 * widen_factor) if widen_factor > 1.0 else 1280
        self.conv2 = ConvModule(self.in_channels, self.out_channel, 1, **conv_kwargs)
        self.layers.append('conv2')

    def make_layer(self, out_channels: int, num_blocks: int, stride: int,
                   expand_ratio: float) -> nn.Sequential:
        """One stage: ``num_blocks`` inverted residuals from ``self.in_channels`` to
        ``out_channels``, the first with ``stride``; advances ``self.in_channels``."""
        blocks = []
        for j in range(num_blocks):
            blocks.append(InvertedResidual(self.in_channels, out_channels, stride if j == 0 else 1,
                                           expand_ratio, conv_cfg=self.conv_cfg,
                                           norm_cfg=self.norm_cfg, act_cfg=self.act_cfg,
                                           with_cp=self.with_cp))
            self.in_channels = out_channels
        return nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(self.conv1(x), map(self.get_submodule, self.layers))

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_and_stages(self.conv1, map(self.get_submodule, self.layers),
                               self.frozen_stages)


__all__ = ['MobileNetV2']
