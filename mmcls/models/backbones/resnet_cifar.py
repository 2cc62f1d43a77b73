"""ResNet for 32x32 CIFAR images: a 3x3 stride-1 stem and no max pooling."""
import torch

from mmcls.registry import MODELS
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
        self._make_conv_stem(in_channels, base_channels, kernel_size=3, stride=1)

    def _forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.norm1(self.conv1(x)))


__all__ = ['ResNet_CIFAR']
