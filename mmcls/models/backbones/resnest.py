"""ResNeSt (Zhang et al., 2020): ResNet-D whose 3x3 convs are split-attention convs.

A split-attention conv computes ``radix`` grouped branches, pools their sum, and mixes the
branches with per-channel softmax weights (a sigmoid when ``radix == 1``).  Parameter names
match MMClassification's checkpoints: ``conv2.conv``, ``conv2.bn0``, ``conv2.fc1``,
``conv2.bn1``, ``conv2.fc2`` inside each bottleneck, and no ``bn2``.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils.conv import build_conv_layer
from ..utils.named_norm import add_named_norm, norm_property
from .resnet import Bottleneck as _Bottleneck
from .resnet import ResLayer, ResNetV1d, bottleneck_arch_settings


class RSoftmax(nn.Module):
    """Softmax over the ``radix`` branches of each group (sigmoid when ``radix == 1``)."""

    def __init__(self, radix: int, groups: int) -> None:
        super().__init__()
        self.radix = radix
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.size(0)
        if self.radix == 1:
            return torch.sigmoid(x)
        x = x.view(batch, self.groups, self.radix, -1).transpose(1, 2)
        return F.softmax(x, dim=1).reshape(batch, -1)


class SplitAttentionConv2d(nn.Module):
    """Split-attention convolution.

    Args:
        in_channels: input channels.
        channels: output channels (each of the ``radix`` branches has this many).
        kernel_size / stride / padding / dilation / groups: of the branch convolution.
        radix: number of branches.
        reduction_factor: the attention MLP's hidden width is
            ``max(in_channels * radix // reduction_factor, 32)``.
        conv_cfg / norm_cfg: layer configs.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 kernel_size,
                 stride=1,
                 padding=0,
                 dilation=1,
                 groups: int = 1,
                 radix: int = 2,
                 reduction_factor: int = 4,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__()
        inter_channels = max(in_channels * radix // reduction_factor, 32)
        self.radix = radix
        self.groups = groups
        self.channels = channels
        self.conv = build_conv_layer(conv_cfg, in_channels, channels * radix, kernel_size,
                                     stride=stride, padding=padding, dilation=dilation,
                                     groups=groups * radix, bias=False)
        self.norm0_name = add_named_norm(self, norm_cfg, channels * radix, 0)
        self.relu = nn.ReLU(inplace=True)
        self.fc1 = build_conv_layer(None, channels, inter_channels, 1, groups=groups)
        self.norm1_name = add_named_norm(self, norm_cfg, inter_channels, 1)
        self.fc2 = build_conv_layer(None, inter_channels, channels * radix, 1, groups=groups)
        self.rsoftmax = RSoftmax(radix, groups)

    norm0 = norm_property(0)
    norm1 = norm_property(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.norm0(self.conv(x)))
        batch = x.size(0)
        if self.radix > 1:
            splits = x.view(batch, self.radix, -1, *x.shape[2:])
            gap = splits.sum(dim=1)
        else:
            gap = x
        gap = F.adaptive_avg_pool2d(gap, 1)
        gap = self.relu(self.norm1(self.fc1(gap)))
        attention = self.rsoftmax(self.fc2(gap)).view(batch, -1, 1, 1)
        if self.radix > 1:
            attentions = attention.view(batch, self.radix, -1, 1, 1)
            out = (attentions * splits).sum(dim=1)
        else:
            out = attention * x
        return out.contiguous()


class Bottleneck(_Bottleneck):
    """ResNeSt bottleneck: 1x1 reduce, split-attention 3x3, optional average-pool stride, 1x1.

    Args:
        in_channels / out_channels: block input and output channels.
        groups / width_per_group / base_channels: cardinality, as in ResNeXt.
        radix / reduction_factor: of the :class:`SplitAttentionConv2d`.
        avg_down_stride: stride by a 3x3 average pool after the split-attention conv
            (instead of a strided conv) in the blocks that downsample.
        **kwargs: as the ResNet :class:`~mmcls.models.backbones.resnet.Bottleneck`.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 groups: int = 1,
                 width_per_group: int = 4,
                 base_channels: int = 64,
                 radix: int = 2,
                 reduction_factor: int = 4,
                 avg_down_stride: bool = True,
                 **kwargs) -> None:
        super().__init__(in_channels, out_channels, groups=groups,
                         width_per_group=width_per_group, base_channels=base_channels, **kwargs)
        self.groups = groups
        self.width_per_group = width_per_group
        self.avg_down_stride = avg_down_stride and self.conv2_stride > 1
        self.conv2 = SplitAttentionConv2d(
            self.mid_channels, self.mid_channels, kernel_size=3,
            stride=1 if self.avg_down_stride else self.conv2_stride,
            padding=self.dilation, dilation=self.dilation, groups=groups, radix=radix,
            reduction_factor=reduction_factor, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        delattr(self, self.norm2_name)  # the split-attention conv has its own norms
        if self.avg_down_stride:
            self.avd_layer = nn.AvgPool2d(3, self.conv2_stride, padding=1)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.relu(self.norm1(self.conv1(x))))
        if self.avg_down_stride:
            out = self.avd_layer(out)
        return self.norm3(self.conv3(out))


@MODELS.register_module()
class ResNeSt(ResNetV1d):
    """ResNeSt backbone (a ResNet-D: deep stem and average-pool shortcuts).

    Args:
        depth: 50, 101, 152, 200 or 269.
        groups / width_per_group: cardinality of the split-attention convs.
        radix / reduction_factor: of the split-attention convs.
        avg_down_stride: downsample by average pooling inside the blocks.
        **kwargs: as :class:`~mmcls.models.backbones.ResNet` (``stem_channels`` is 128 for
            ResNeSt-101 and deeper).
    """

    arch_settings = {
        **bottleneck_arch_settings(Bottleneck),
        200: (Bottleneck, (3, 24, 36, 3)),
        269: (Bottleneck, (3, 30, 48, 8)),
    }

    def __init__(self,
                 depth: int,
                 groups: int = 1,
                 width_per_group: int = 4,
                 radix: int = 2,
                 reduction_factor: int = 4,
                 avg_down_stride: bool = True,
                 **kwargs) -> None:
        self.groups = groups
        self.width_per_group = width_per_group
        self.radix = radix
        self.reduction_factor = reduction_factor
        self.avg_down_stride = avg_down_stride
        super().__init__(depth=depth, **kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        return ResLayer(groups=self.groups, width_per_group=self.width_per_group,
                        base_channels=self.base_channels, radix=self.radix,
                        reduction_factor=self.reduction_factor,
                        avg_down_stride=self.avg_down_stride, **kwargs)


__all__ = ['RSoftmax', 'SplitAttentionConv2d', 'ResNeSt']
