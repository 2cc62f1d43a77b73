"""SE-ResNet (Hu et al., 2018): Bottlenecks whose output is reweighted by an SE gate."""
import torch

from mmcls.registry import MODELS
from ..utils.se_layer import SELayer
from .resnet import Bottleneck, ResLayer, ResNet, bottleneck_arch_settings


class SEBottleneck(Bottleneck):
    """Bottleneck with a squeeze-and-excitation layer before the residual addition.

    Args:
        se_ratio: channel reduction of the SE layer.
        **kwargs: as :class:`Bottleneck`.
    """

    def __init__(self, in_channels: int, out_channels: int, se_ratio: int = 16, **kwargs) -> None:
        super().__init__(in_channels, out_channels, **kwargs)
        self.se_layer = SELayer(out_channels, ratio=se_ratio)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        return self.se_layer(super()._residual(x))


@MODELS.register_module()
class SEResNet(ResNet):
    """SE-ResNet backbone.

    Args:
        depth: 50, 101 or 152.
        se_ratio: channel reduction of the SE layers.
        **kwargs: as :class:`ResNet`.
    """

    arch_settings = bottleneck_arch_settings(SEBottleneck)

    def __init__(self, depth: int, se_ratio: int = 16, **kwargs) -> None:
        self.se_ratio = se_ratio
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """A stage of SE blocks (the next class in the MRO builds it)."""
        return super().make_res_layer(se_ratio=self.se_ratio, **kwargs)


__all__ = ['SEBottleneck', 'SEResNet']
