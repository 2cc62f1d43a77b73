"""Inverted residual block (MobileNetV2/V3, EfficientNet): expand, depthwise, (SE), project."""
from typing import Optional

import torch
import torch.nn as nn

from .base_module import BaseModule
from .conv_module import ConvModule
from .drop import DropPath
from .grad_checkpoint import checkpointed
from .se_layer import SELayer


class MBConvBase(BaseModule):
    """What every MBConv-family block (InvertedResidual, EdgeResidual) shares: a stride of 1
    or 2, optional SE (``with_se``/``se``), the 1x1 projection, the identity shortcut through
    ``drop_path``; ``forward`` runs the subclass's ``_forward`` under gradient checkpointing
    with ``with_cp``."""

    def __init__(self, stride: int, se_cfg: Optional[dict], drop_path_rate: float,
                 with_cp: bool, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if stride not in (1, 2):
            raise ValueError(f'{type(self).__name__}: stride must be 1 or 2, got {stride}')
        self.with_se = se_cfg is not None
        self.with_cp = with_cp
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def _squeeze_project(self, x: torch.Tensor, out: torch.Tensor, project: nn.Module,
                         shortcut: bool) -> torch.Tensor:
        """SE and ``project`` on the branch output ``out``, plus ``x`` when ``shortcut``."""
        if self.with_se:
            out = self.se(out)
        out = project(out)
        return x + self.drop_path(out) if shortcut else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return checkpointed(self._forward, x, with_cp=self.with_cp)


class InvertedResidual(MBConvBase):
    """Expand (1x1, skipped when ``mid_channels == in_channels``) -> depthwise kxk -> SE -> 1x1.

    The residual connection is used when ``stride == 1`` and input/output channels match.
    Sub-module names (``expand_conv``, ``depthwise_conv``, ``se``, ``linear_conv``) match
    MMClassification checkpoints.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 mid_channels: int,
                 kernel_size: int = 3,
                 stride: int = 1,
                 se_cfg: Optional[dict] = None,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 drop_path_rate: float = 0.,
                 with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(stride, se_cfg, drop_path_rate, with_cp, init_cfg)
        self.with_res_shortcut = stride == 1 and in_channels == out_channels
        self.with_expand_conv = mid_channels != in_channels
        if self.with_expand_conv:
            self.expand_conv = ConvModule(in_channels, mid_channels, 1, conv_cfg=conv_cfg,
                                          norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.depthwise_conv = ConvModule(mid_channels, mid_channels, kernel_size, stride=stride,
                                         padding=kernel_size // 2, groups=mid_channels,
                                         conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        if self.with_se:
            self.se = SELayer(**se_cfg)
        self.linear_conv = ConvModule(mid_channels, out_channels, 1, conv_cfg=conv_cfg,
                                      norm_cfg=norm_cfg, act_cfg=None)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.expand_conv(x) if self.with_expand_conv else x
        out = self.depthwise_conv(out)
        return self._squeeze_project(x, out, self.linear_conv, self.with_res_shortcut)


__all__ = ['MBConvBase', 'InvertedResidual']
