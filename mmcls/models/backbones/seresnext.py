"""SE-ResNeXt: grouped SE bottlenecks."""
from mmcls.registry import MODELS
from .resnet import ResLayer
from .seresnet import SEBottleneck, SEResNet  # SEBottleneck: kept at rc6's import path


@MODELS.register_module()
class SEResNeXt(SEResNet):
    """SE-ResNeXt backbone.

    Args:
        depth: 50, 101 or 152.
        groups: cardinality of the 3x3 convs.
        width_per_group: channels per group in the first stage.
        **kwargs: as :class:`SEResNet`.
    """

    def __init__(self, depth: int, groups: int = 32, width_per_group: int = 4, **kwargs) -> None:
        self.groups = groups
        self.width_per_group = width_per_group
        super().__init__(depth, **kwargs)

    def make_res_layer(self, **kwargs) -> ResLayer:
        return ResLayer(se_ratio=self.se_ratio, groups=self.groups,
                        width_per_group=self.width_per_group, base_channels=self.base_channels,
                        **kwargs)


__all__ = ['SEResNeXt']
