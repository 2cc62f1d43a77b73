"""ShuffleNetV1 (Zhang et al., 2018): grouped 1x1 convs with channel shuffle."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.registry import MODELS
from ..utils import ConvModule, build_activation_layer, channel_shuffle, make_divisible
from ..utils.frozen_stages import check_frozen_stages
from ..utils.grad_checkpoint import checkpointed
from ..utils.weight_init import constant_init, has_pretrained_init, normal_init
from .base_backbone import BaseBackbone, normalize_out_indices

# groups -> output channels of the three stages (for widen_factor 1.0)
arch_settings = {
    1: (144, 288, 576),
    2: (200, 400, 800),
    3: (240, 480, 960),
    4: (272, 544, 1088),
    8: (384, 768, 1536),
}
stage_blocks = (4, 8, 4)


class ShuffleUnit(nn.Module):
    """ShuffleNetV1 unit: grouped 1x1 -> 3x3 depthwise -> channel shuffle -> grouped 1x1.

    ``combine='add'`` keeps the size (identity shortcut); ``'concat'`` halves the resolution and
    concatenates a 3x3 average-pooled shortcut, so the branch only produces
    ``out_channels - in_channels`` channels.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 groups: int = 3,
                 first_block: bool = True,
                 combine: str = 'add',
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False) -> None:
        super().__init__()
        self.combine = combine
        self.groups = groups
        self.with_cp = with_cp
        bottleneck_channels = out_channels // 4
        if combine == 'add':
            if in_channels != out_channels:
                raise ValueError('ShuffleUnit: combine="add" needs in_channels == out_channels, '
                                 f'got {in_channels} and {out_channels}')
            depthwise_stride = 1
        elif combine == 'concat':
            depthwise_stride = 2
            out_channels -= in_channels
            self.avgpool = nn.AvgPool2d(kernel_size=3, stride=2, padding=1)
        else:
            raise ValueError(f'ShuffleUnit: combine must be "add" or "concat", got {combine!r}')
        conv_kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        # The first unit of the network sees few input channels: no grouping there.
        self.g_conv_1x1_compress = ConvModule(in_channels, bottleneck_channels, 1,
                                              groups=1 if first_block else groups,
                                              act_cfg=act_cfg, **conv_kwargs)
        self.depthwise_conv3x3_bn = ConvModule(bottleneck_channels, bottleneck_channels, 3,
                                               stride=depthwise_stride, padding=1,
                                               groups=bottleneck_channels, act_cfg=None,
                                               **conv_kwargs)
        self.g_conv_1x1_expand = ConvModule(bottleneck_channels, out_channels, 1, groups=groups,
                                            act_cfg=None, **conv_kwargs)
        self.act = build_activation_layer(act_cfg)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.depthwise_conv3x3_bn(self.g_conv_1x1_compress(x))
        if self.groups > 1:
            out = channel_shuffle(out, self.groups)
        out = self.g_conv_1x1_expand(out)
        if self.combine == 'concat':
            return torch.cat((self.avgpool(x), self.act(out)), 1)
        return self.act(x + out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return checkpointed(self._forward, x, with_cp=self.with_cp)


class ShuffleNetBase(BaseBackbone):
    """What ShuffleNetV1 and V2 share: a ``conv1`` + ``maxpool`` stem, the ``layers`` stages
    the subclass appends, their initialisation, and ``frozen_stages`` (-1: nothing; ``k``: the
    stem's parameters and the first ``k`` stages; as in the reference, the stem itself stays
    in train mode).

    Args:
        num_stages: the number of ``layers`` the subclass builds.
        stem_channels: output channels of ``conv1``; ``in_channels`` then follows the stages.
        out_indices: stages to output.
        frozen_stages: -1 to ``num_stages - 1``.
        conv_cfg / norm_cfg / act_cfg: layer configs of every layer (``layer_cfg``).
        norm_eval: keep batch norms in eval mode while training.
        with_cp: gradient checkpointing in the units.
    """

    # Norm layers that ``init_weights`` sets to (weight 1, bias 1e-4).
    _init_norm_types: tuple = (_BatchNorm, nn.GroupNorm)

    def __init__(self, num_stages: int, stem_channels: int,
                 out_indices: Union[int, Sequence[int]], frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'), norm_eval: bool = False,
                 with_cp: bool = False, init_cfg=None) -> None:
        super().__init__(init_cfg)
        name = type(self).__name__
        self.out_indices = normalize_out_indices(out_indices, num_stages, name)
        check_frozen_stages(frozen_stages, -1, num_stages - 1, name)
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        self.layer_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.with_cp = with_cp
        self.in_channels = stem_channels
        self.conv1 = ConvModule(3, stem_channels, 3, stride=2, padding=1, **self.layer_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layers = nn.ModuleList()

    def init_weights(self) -> None:
        """Unless pretrained: normal init with std 1/fan-in (0.01 in the stem), BN to (1, 1e-4)."""
        super().init_weights()
        if has_pretrained_init(self.init_cfg):
            return
        for name, m in self.named_modules():
            if isinstance(m, nn.Conv2d):
                normal_init(m, mean=0, std=0.01 if 'conv1' in name else 1.0 / m.weight.shape[1])
            elif isinstance(m, self._init_norm_types):
                constant_init(m, val=1, bias=0.0001)
                if isinstance(m, _BatchNorm) and m.running_mean is not None:
                    nn.init.constant_(m.running_mean, 0)

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(self.maxpool(self.conv1(x)), self.layers)

    def _frozen_modules(self) -> List[nn.Module]:
        return list(self.layers[:max(self.frozen_stages, 0)])

    def _frozen_params(self) -> List[nn.Parameter]:
        return list(self.conv1.parameters()) if self.frozen_stages >= 0 else []


@MODELS.register_module()
class ShuffleNetV1(ShuffleNetBase):
    """ShuffleNetV1 backbone.

    Args:
        groups: groups of the 1x1 convs (1, 2, 3, 4 or 8).
        widen_factor: width multiplier.
        out_indices: stages to output (0-2).
        **kwargs: ``frozen_stages`` (the stem and the first ``frozen_stages`` stages, -1:
            nothing), ``conv_cfg``, ``norm_cfg``, ``act_cfg``, ``norm_eval``, ``with_cp`` and
            ``init_cfg``, as :class:`ShuffleNetBase`.
    """

    def __init__(self,
                 groups: int = 3,
                 widen_factor: float = 1.0,
                 out_indices: Union[int, Sequence[int]] = (2, ),
                 **kwargs) -> None:
        if groups not in arch_settings:
            raise ValueError(f'ShuffleNetV1: groups must be one of {sorted(arch_settings)}, '
                             f'got {groups}')
        super().__init__(len(stage_blocks), int(24 * widen_factor), out_indices, **kwargs)
        self.groups = groups
        channels = [make_divisible(ch * widen_factor, 8) for ch in arch_settings[groups]]
        for i, num_blocks in enumerate(stage_blocks):
            self.layers.append(self.make_layer(channels[i], num_blocks, first_block=(i == 0)))

    def make_layer(self, out_channels: int, num_blocks: int,
                   first_block: bool = False) -> nn.Sequential:
        """A stage of ``num_blocks`` units from ``self.in_channels`` to ``out_channels``.

        The first unit downsamples and concatenates, the others add; ``first_block`` makes
        the first unit's compressing 1x1 conv ungrouped (the network's first unit).
        ``self.in_channels`` is left at ``out_channels``.
        """
        units = []
        for j in range(num_blocks):
            units.append(ShuffleUnit(self.in_channels, out_channels, groups=self.groups,
                                     first_block=first_block and j == 0,
                                     combine='concat' if j == 0 else 'add',
                                     with_cp=self.with_cp, **self.layer_cfg))
            self.in_channels = out_channels
        return nn.Sequential(*units)


__all__ = ['ShuffleNetBase', 'ShuffleNetV1', 'ShuffleUnit']
