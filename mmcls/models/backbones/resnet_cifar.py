"""ResNet for 32x32 CIFAR images: a 3x3 stride-1 stem and no max pooling."""
import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.conv import build_conv_layer
from ..utils.norm import build_norm_layer
from .resnet import ResNet


@MODELS.register_module()
class ResNet_CIFAR(ResNet):
    """ResNet whose stem keeps the resolution of small inputs.

    Args:
        depth: 18, 34, 50, 101 or 152.
        deep_stem: not supported (must be False).
        **kwargs: as :class:`ResNet`.
    """

    def __init__(self, depth: int, deep_stem: bool = False, **kwargs) -> None:
        if deep_stem:
            raise ValueError('ResNet_CIFAR does not support deep_stem')
        super().__init__(depth, deep_stem=deep_stem, **kwargs)

    def _make_stem_layer(self, in_channels: int, base_channels: int) -> None:
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, base_channels, kernel_size=3,
                                      stride=1, padding=1, bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, base_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

    def _forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.norm1(self.conv1(x)))


__all__ = ['ResNet_CIFAR']
