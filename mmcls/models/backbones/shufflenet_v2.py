"""ShuffleNetV2 (Ma et al., 2018): channel split, two branches, concat and shuffle."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.registry import MODELS
from ..utils import ConvModule, channel_shuffle
from ..utils.base_module import BaseModule
from ..utils.grad_checkpoint import checkpointed
from .shufflenet_v1 import ShuffleNetBase

# widen factor -> channels of the three stages and of the final 1x1 conv
arch_settings = {
    0.5: (48, 96, 192, 1024),
    1.0: (116, 232, 464, 1024),
    1.5: (176, 352, 704, 1024),
    2.0: (244, 488, 976, 2048),
}
stage_blocks = (4, 8, 4)


class InvertedResidual(BaseModule):
    """ShuffleNetV2 unit.

    Stride 1: split the channels in half, transform one half (``branch2``), concat, shuffle.
    Stride 2: both branches see the whole input and downsample (``branch1`` is depthwise + 1x1).

    Args:
        in_channels / out_channels: unit input and output channels (equal for stride 1).
        stride: 1 or 2.
        conv_cfg / norm_cfg / act_cfg: layer configs.
        with_cp: gradient checkpointing.
        init_cfg: initialisation config of the unit.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stride = stride
        self.with_cp = with_cp
        branch_features = out_channels // 2
        if stride == 1 and in_channels != branch_features * 2:
            raise ValueError(f'ShuffleNetV2 unit: stride 1 needs in_channels == out_channels, '
                             f'got {in_channels} and {out_channels}')
        conv_kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        if stride > 1:
            self.branch1 = nn.Sequential(
                ConvModule(in_channels, in_channels, 3, stride=stride, padding=1,
                           groups=in_channels, act_cfg=None, **conv_kwargs),
                ConvModule(in_channels, branch_features, 1, act_cfg=act_cfg, **conv_kwargs))
        self.branch2 = nn.Sequential(
            ConvModule(in_channels if stride > 1 else branch_features, branch_features, 1,
                       act_cfg=act_cfg, **conv_kwargs),
            ConvModule(branch_features, branch_features, 3, stride=stride, padding=1,
                       groups=branch_features, act_cfg=None, **conv_kwargs),
            ConvModule(branch_features, branch_features, 1, act_cfg=act_cfg, **conv_kwargs))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        else:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        return channel_shuffle(out, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return checkpointed(self._forward, x, with_cp=self.with_cp)


@MODELS.register_module()
class ShuffleNetV2(ShuffleNetBase):
    """ShuffleNetV2 backbone.

    Args:
        widen_factor: 0.5, 1.0, 1.5 or 2.0.
        out_indices: stages to output (0-2 the shuffle stages, 3 the final 1x1 conv).
        **kwargs: ``frozen_stages`` (the stem and the first ``frozen_stages`` stages, -1:
            nothing), ``conv_cfg``, ``norm_cfg``, ``act_cfg``, ``norm_eval``, ``with_cp`` and
            ``init_cfg``, as :class:`~mmcls.models.backbones.shufflenet_v1.ShuffleNetBase`.
    """

    _init_norm_types = (_BatchNorm, )  # unlike V1, group norms keep their default init

    def __init__(self,
                 widen_factor: float = 1.0,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 **kwargs) -> None:
        if widen_factor not in arch_settings:
            raise ValueError(f'ShuffleNetV2: widen_factor must be one of '
                             f'{sorted(arch_settings)}, got {widen_factor}')
        super().__init__(len(stage_blocks) + 1, 24, out_indices, **kwargs)
        channels = arch_settings[widen_factor]
        for i, num_blocks in enumerate(stage_blocks):
            units = []
            for j in range(num_blocks):
                units.append(InvertedResidual(self.in_channels, channels[i],
                                              stride=2 if j == 0 else 1, with_cp=self.with_cp,
                                              **self.layer_cfg))
                self.in_channels = channels[i]
            self.layers.append(nn.Sequential(*units))
        self.layers.append(ConvModule(self.in_channels, channels[-1], 1, **self.layer_cfg))


__all__ = ['ShuffleNetV2']
