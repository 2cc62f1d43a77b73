"""AlexNet (Krizhevsky et al., 2012), the single-tower variant of torchvision and MMClassification."""
import torch
import torch.nn as nn

from mmcls.registry import MODELS
from .base_backbone import BaseBackbone


def _conv_relu(in_channels: int, out_channels: int, kernel_size: int, **kwargs) -> list:
    return [nn.Conv2d(in_channels, out_channels, kernel_size, **kwargs), nn.ReLU(inplace=True)]


class FeaturesClassifierNet(BaseBackbone):
    """A classic convnet (AlexNet, LeNet-5): subclasses build ``features`` and, when
    ``num_classes > 0``, a ``classifier`` run on the flattened features. ``forward`` returns
    a 1-tuple: the logits, or the feature map when there is no classifier."""

    def __init__(self, num_classes: int, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.num_classes = num_classes

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.features(x)
        if self.num_classes > 0:
            x = self.classifier(x.flatten(1))
        return (x, )


@MODELS.register_module()
class AlexNet(FeaturesClassifierNet):
    """Five ReLU conv layers with three max-pools (``features``) for 224x224 RGB inputs,
    plus the three-layer dropout classifier when ``num_classes > 0``.

    Args:
        num_classes: size of the built-in classifier; ``<= 0`` returns the (B, 256, 6, 6)
            feature map.
    """

    def __init__(self, num_classes: int = -1, init_cfg=None) -> None:
        super().__init__(num_classes, init_cfg)
        self.features = nn.Sequential(
            *_conv_relu(3, 64, 11, stride=4, padding=2), nn.MaxPool2d(kernel_size=3, stride=2),
            *_conv_relu(64, 192, 5, padding=2), nn.MaxPool2d(kernel_size=3, stride=2),
            *_conv_relu(192, 384, 3, padding=1),
            *_conv_relu(384, 256, 3, padding=1),
            *_conv_relu(256, 256, 3, padding=1), nn.MaxPool2d(kernel_size=3, stride=2))
        if num_classes > 0:
            self.classifier = nn.Sequential(
                nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
                nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
                nn.Linear(4096, num_classes))


__all__ = ['AlexNet']
