"""ResNeXt (Xie et al., 2017): ResNet with grouped 3x3 convolutions ("32x4d")."""
from mmcls.registry import MODELS
from .resnet import Bottleneck as _Bottleneck
from .resnet import ResLayer, ResNet, bottleneck_arch_settings


class Bottleneck(_Bottleneck):
    """The ResNeXt bottleneck: a ResNet bottleneck whose 3x3 conv is grouped by default.

    The middle width is ``groups * width_per_group * mid_channels // base_channels``
    (``mid_channels = out_channels // expansion``), so "32x4d" is ``groups=32,
    width_per_group=4``; ``groups=1`` gives the plain ResNet bottleneck.

    Args:
        in_channels / out_channels: block input and output channels.
        base_channels: middle channels of the first stage the widths are relative to.
        groups: cardinality (number of groups of the 3x3 conv).
        width_per_group: channels per group in the first stage.
        **kwargs: as :class:`mmcls.models.backbones.resnet.Bottleneck`.
    """

    def __init__(self, in_channels: int, out_channels: int, base_channels: int = 64,
                 groups: int = 32, width_per_group: int = 4, **kwargs) -> None:
        super().__init__(in_channels, out_channels, groups=groups,
                         width_per_group=width_per_group, base_channels=base_channels, **kwargs)


@MODELS.register_module()
class ResNeXt(ResNet):
    """ResNeXt backbone.

    Args:
        depth: 50, 101 or 152.
        groups: cardinality (number of groups of the 3x3 conv).
        width_per_group: channels per group in the first stage.
        **kwargs: as :class:`ResNet`.
    """

    arch_settings = bottleneck_arch_settings(Bottleneck)

    def __init__(self, depth: int, groups: int = 32, width_per_group: int = 4, **kwargs) -> None:
        self.groups = groups
        self.width_per_group = width_per_group
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        """A stage of grouped blocks (the next class in the MRO builds it)."""
        return super().make_res_layer(groups=self.groups, width_per_group=self.width_per_group,
                                      base_channels=self.base_channels, **kwargs)


__all__ = ['ResNeXt']
