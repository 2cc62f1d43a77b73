"""ResNeXt (Xie et al., 2017): ResNet with grouped 3x3 convolutions ("32x4d")."""
from mmcls.registry import MODELS
from .resnet import Bottleneck, ResLayer, ResNet, bottleneck_arch_settings


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
