"""SE-ResNeXt: grouped SE bottlenecks."""
from mmcls.registry import MODELS
from .resnext import ResNeXt
from .seresnet import SEBottleneck, SEResNet  # SEBottleneck: kept at rc6's import path


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

    arch_settings = SEResNet.arch_settings


__all__ = ['SEResNeXt']
