"""LeNet-5 (LeCun et al., 1998) for 32x32 single-channel images."""
import torch.nn as nn

from mmcls.registry import MODELS
from .alexnet import FeaturesClassifierNet


@MODELS.register_module()
class LeNet5(FeaturesClassifierNet):
    """Three tanh conv layers with average pooling, plus the classifier when ``num_classes > 0``.

    Args:
        num_classes: size of the built-in classifier; ``<= 0`` returns the 120-d features.
    """

    def __init__(self, num_classes: int = -1, init_cfg=None) -> None:
        super().__init__(num_classes, init_cfg)
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, stride=1), nn.Tanh(),
            nn.AvgPool2d(kernel_size=2),
            nn.Conv2d(6, 16, kernel_size=5, stride=1), nn.Tanh(),
            nn.AvgPool2d(kernel_size=2),
            nn.Conv2d(16, 120, kernel_size=5, stride=1), nn.Tanh())
        if num_classes > 0:
            self.classifier = nn.Sequential(
                nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes))


__all__ = ['LeNet5']
