"""SE-ResNeXt: grouped SE bottlenecks."""
from mmcls.registry import MODELS
from .resnet import bottleneck_arch_settings
from .resnext import ResNeXt
from .seresnet import SEBottleneck as _SEBottleneck
from .seresnet import SEResNet


class SEBottleneck(_SEBottleneck):
    """The SE-ResNeXt bottleneck: an SE bottleneck whose 3x3 conv is grouped by default.

    Widths as :class:`mmcls.models.backbones.resnext.Bottleneck`; ``groups=1`` gives the
    SE-ResNet bottleneck.

    Args:
        in_channels / out_channels: block input and output channels.
        base_channels: middle channels of the first stage the widths are relative to.
        groups: cardinality (number of groups of the 3x3 conv).
        width_per_group: channels per group in the first stage.
        se_ratio: channel reduction of the SE layer.
        **kwargs: as :class:`mmcls.models.backbones.resnet.Bottleneck`.
    """

    def __init__(self, in_channels: int, out_channels: int, base_channels: int = 64,
                 groups: int = 32, width_per_group: int = 4, se_ratio: int = 16,
                 **kwargs) -> None:
        super().__init__(in_channels, out_channels, se_ratio=se_ratio, groups=groups,
                         width_per_group=width_per_group, base_channels=base_channels, **kwargs)


@MODELS.register_module()
class SEResNeXt(ResNeXt, SEResNet):
    """SE-ResNeXt backbone: the SE-ResNet blocks with ResNeXt's grouped 3x3 convs.

    ``ResNeXt`` takes ``groups`` and ``width_per_group`` and adds them to every stage,
    ``SEResNet`` takes ``se_ratio`` and builds the SE blocks.

    Args:
        depth: 50, 101 or 152.
        groups: cardinality of the 3x3 convs.
        width_per_group: channels per group in the first stage.
        **kwargs: as :class:`SEResNet`.
    """

    arch_settings = bottleneck_arch_settings(SEBottleneck)


__all__ = ['SEResNeXt']
