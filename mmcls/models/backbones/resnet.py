"""ResNet (He et al., 2016) and its V1c / V1d stem variants.

Module and parameter names follow MMClassification (``conv1``/``bn1`` stem or ``stem``,
``layer1``..``layer4``, blocks with ``conv1..3``/``bn1..3``/``downsample``) so the
published checkpoints load with ``strict=True``.  Wide ResNets are ResNets with a
larger ``base_channels`` and a smaller ``expansion``; ResNeXt/SE variants reuse the blocks.
"""
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import BaseModule
from ..utils.conv import build_conv_layer
from ..utils.conv_module import ConvModule
from ..utils.conv_norm_init import CONV_NORM_INIT_CFG
from ..utils.drop import DropPath
from ..utils.grad_checkpoint import checkpointed
from ..utils.named_norm import add_named_norm, norm_property
from ..utils.norm import build_norm_layer
from ..utils.weight_init import constant_init, has_pretrained_init
from .base_backbone import BaseBackbone, normalize_out_indices

DEFAULT_NORM = dict(type='BN', requires_grad=True)
# the blocks' and stages' default; the same layers, as ``requires_grad`` defaults to True
BLOCK_NORM = dict(type='BN')
DEFAULT_ACT = dict(type='ReLU', inplace=True)
# blocks per stage of the 50-, 101- and 152-layer bottleneck networks
BOTTLENECK_STAGE_BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def bottleneck_arch_settings(block: type) -> dict:
    """The ``arch_settings`` of a ResNet variant with ``block`` at depths 50, 101 and 152."""
    return {depth: (block, stages) for depth, stages in BOTTLENECK_STAGE_BLOCKS.items()}


class _ResidualBlock(BaseModule, metaclass=ABCMeta):
    """Shared parts of the residual blocks: their widths and settings, norm-name properties,
    shortcut and checkpointing.

    ``out_channels`` must be a multiple of ``expansion``; ``mid_channels`` is their quotient.
    """

    norm1 = norm_property(1)
    norm2 = norm_property(2)
    norm3 = norm_property(3)

    def __init__(self, in_channels: int, out_channels: int, expansion: int, stride: int,
                 dilation: int, style: str, with_cp: bool, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if out_channels % expansion:
            raise ValueError(f'{type(self).__name__}: out_channels {out_channels} is not '
                             f'divisible by expansion {expansion}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.expansion = expansion
        self.mid_channels = out_channels // expansion
        self.stride, self.dilation, self.style, self.with_cp = stride, dilation, style, with_cp

    def _add_output_parts(self, act_cfg: dict, downsample: Optional[nn.Module],
                          drop_path_rate: float) -> None:
        """The activation, the shortcut projection and the drop path every block ends with."""
        self.relu = build_activation_layer(act_cfg)
        self.downsample = downsample
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 1e-6 else nn.Identity()

    @abstractmethod
    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch (without the final activation)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:

        def inner(x):
            identity = x if self.downsample is None else self.downsample(x)
            return self.drop_path(self._residual(x)) + identity

        return self.relu(checkpointed(inner, x, with_cp=self.with_cp))


class BasicBlock(_ResidualBlock):
    """Two 3x3 convolutions (ResNet-18/34).

    Args:
        in_channels / out_channels: block input and output channels.
        expansion: ``out_channels / mid_channels``; only 1 is valid for this block.
        stride / dilation: of the first conv.
        downsample: shortcut module when the shape changes.
        style: accepted for API compatibility ('pytorch' or 'caffe'; no effect here).
        with_cp: gradient checkpointing to save memory.
        drop_path_rate: stochastic depth of the residual branch.
    """
    expansion = 1

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 expansion: int = 1,
                 stride: int = 1,
                 dilation: int = 1,
                 downsample: Optional[nn.Module] = None,
                 style: str = 'pytorch',
                 with_cp: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = BLOCK_NORM,
                 drop_path_rate: float = 0.0,
                 act_cfg: dict = DEFAULT_ACT,
                 init_cfg=None) -> None:
        if expansion != 1:
            raise ValueError(f'BasicBlock: expansion must be 1, got {expansion}')
        super().__init__(in_channels, out_channels, expansion, stride, dilation, style, with_cp,
                         init_cfg)
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.conv1 = build_conv_layer(conv_cfg, in_channels, self.mid_channels, 3, stride=stride,
                                      padding=dilation, dilation=dilation, bias=False)
        self.norm1_name = add_named_norm(self, norm_cfg, self.mid_channels, 1)
        self.conv2 = build_conv_layer(conv_cfg, self.mid_channels, out_channels, 3, padding=1,
                                      bias=False)
        self.norm2_name = add_named_norm(self, norm_cfg, out_channels, 2)
        self._add_output_parts(act_cfg, downsample, drop_path_rate)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.norm1(self.conv1(x)))
        return self.norm2(self.conv2(out))


class Bottleneck(_ResidualBlock):
    """1x1 reduce, 3x3 (optionally grouped), 1x1 expand (ResNet-50 and deeper).

    Args:
        expansion: ``out_channels / mid_channels`` (4 for ResNet, 2 for Wide ResNet).
        style: ``'pytorch'`` puts the stride on the 3x3 conv, ``'caffe'`` on the first 1x1.
        groups / width_per_group / base_channels: ResNeXt cardinality; with ``groups > 1``
            the middle width is ``groups * width_per_group * mid_channels // base_channels``.
        Other arguments as :class:`BasicBlock`.
    """
    expansion = 4

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 expansion: int = 4,
                 stride: int = 1,
                 dilation: int = 1,
                 downsample: Optional[nn.Module] = None,
                 style: str = 'pytorch',
                 with_cp: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = BLOCK_NORM,
                 drop_path_rate: float = 0.0,
                 act_cfg: dict = DEFAULT_ACT,
                 groups: int = 1,
                 width_per_group: int = 4,
                 base_channels: int = 64,
                 init_cfg=None) -> None:
        if style not in ('pytorch', 'caffe'):
            raise ValueError(f'Bottleneck style must be "pytorch" or "caffe", got {style!r}')
        super().__init__(in_channels, out_channels, expansion, stride, dilation, style, with_cp,
                         init_cfg)
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.groups, self.width_per_group = groups, width_per_group
        if groups != 1:
            self.mid_channels = groups * width_per_group * self.mid_channels // base_channels
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)
        mid = self.mid_channels
        self.conv1 = build_conv_layer(conv_cfg, in_channels, mid, 1, stride=self.conv1_stride,
                                      bias=False)
        self.norm1_name = add_named_norm(self, norm_cfg, mid, 1)
        self.conv2 = build_conv_layer(conv_cfg, mid, mid, 3, stride=self.conv2_stride,
                                      padding=dilation, dilation=dilation, groups=groups,
                                      bias=False)
        self.norm2_name = add_named_norm(self, norm_cfg, mid, 2)
        self.conv3 = build_conv_layer(conv_cfg, mid, out_channels, 1, bias=False)
        self.norm3_name = add_named_norm(self, norm_cfg, out_channels, 3)
        self._add_output_parts(act_cfg, downsample, drop_path_rate)

    def _residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        return self.norm3(self.conv3(out))


def get_expansion(block: type, expansion: Optional[int] = None) -> int:
    """The expansion to use: ``expansion`` if given, else the block class's default."""
    if isinstance(expansion, int):
        if expansion <= 0:
            raise ValueError(f'expansion must be a positive int, got {expansion}')
        return expansion
    if expansion is not None:
        raise TypeError(f'expansion must be an int or None, got {type(expansion).__name__}')
    if hasattr(block, 'expansion'):
        return block.expansion
    raise TypeError(f'cannot infer the expansion of {block.__name__}; pass expansion=')


class ResLayer(nn.Sequential):
    """A stage of ``num_blocks`` residual blocks; the first one may stride and project.

    Args:
        block: the block class.
        num_blocks: number of blocks.
        in_channels / out_channels: stage input and output channels.
        expansion: block expansion (the class default when None).
        stride: stride of the first block.
        avg_down: shortcut by average pooling then a stride-1 1x1 conv (ResNet-D),
            instead of a strided 1x1 conv.
        drop_path_rate: one rate for all blocks or one per block.
        **kwargs: passed to every block (dilation, style, with_cp, groups, ...).
    """

    def __init__(self,
                 block: type,
                 num_blocks: int,
                 in_channels: int,
                 out_channels: int,
                 expansion: Optional[int] = None,
                 stride: int = 1,
                 avg_down: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = BLOCK_NORM,
                 drop_path_rate: Union[float, Sequence[float]] = 0.0,
                 **kwargs) -> None:
        self.block = block
        self.expansion = get_expansion(block, expansion)
        if isinstance(drop_path_rate, (int, float)):
            drop_path_rate = [float(drop_path_rate)] * num_blocks
        if len(drop_path_rate) != num_blocks:
            raise ValueError(f'ResLayer: {len(drop_path_rate)} drop path rates for '
                             f'{num_blocks} blocks')
        downsample = None
        if stride != 1 or in_channels != out_channels:
            downsample = self._shortcut(in_channels, out_channels, stride, avg_down, conv_cfg,
                                        norm_cfg)
        layers = []
        for i in range(num_blocks):
            layers.append(block(
                in_channels=in_channels if i == 0 else out_channels,
                out_channels=out_channels,
                expansion=self.expansion,
                stride=stride if i == 0 else 1,
                downsample=downsample if i == 0 else None,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                drop_path_rate=drop_path_rate[i],
                **self._block_kwargs(i),
                **kwargs))
        super().__init__(*layers)

    def _block_kwargs(self, index: int) -> dict:
        """Extra arguments of block ``index`` (none here; Res2Net marks its first block)."""
        return {}

    @staticmethod
    def _shortcut(in_channels: int, out_channels: int, stride: int, avg_down: bool,
                  conv_cfg: Optional[dict], norm_cfg: dict) -> nn.Sequential:
        layers = []
        conv_stride = stride
        if avg_down and stride != 1:
            conv_stride = 1
            layers.append(nn.AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True,
                                       count_include_pad=False))
        layers.append(build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size=1,
                                       stride=conv_stride, bias=False))
        layers.append(build_norm_layer(norm_cfg, out_channels)[1])
        return nn.Sequential(*layers)


@MODELS.register_module()
class ResNet(BaseBackbone):
    """ResNet backbone.

    Args:
        depth: 18, 34, 50, 101 or 152.
        in_channels: input image channels.
        stem_channels: stem output channels.
        base_channels: middle channels of the first stage (output = ``base * expansion``).
        expansion: block expansion; the block default when None (Wide ResNet uses 2).
        num_stages: 1 to 4 stages.
        strides / dilations: per stage.
        out_indices: stages whose outputs are returned (negative counts from the end).
        style: ``'pytorch'`` (stride on the 3x3 conv) or ``'caffe'``.
        deep_stem: three 3x3 convs instead of the 7x7 stem (ResNet-C).
        avg_down: average-pool shortcuts (ResNet-D).
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages (-1: none).
        conv_cfg / norm_cfg: layer configs.
        norm_eval: keep batch-norm layers in eval mode while training.
        with_cp: gradient checkpointing in the blocks.
        zero_init_residual: zero the last norm of each block so blocks start as identities.
        drop_path_rate: stochastic depth, growing linearly to this value over the blocks.
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        **bottleneck_arch_settings(Bottleneck),
    }

    def __init__(self,
                 depth: int,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 base_channels: int = 64,
                 expansion: Optional[int] = None,
                 num_stages: int = 4,
                 strides: Sequence[int] = (1, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 out_indices: Sequence[int] = (3, ),
                 style: str = 'pytorch',
                 deep_stem: bool = False,
                 avg_down: bool = False,
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = DEFAULT_NORM,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 zero_init_residual: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = CONV_NORM_INIT_CFG,
                 drop_path_rate: float = 0.0) -> None:
        super().__init__(init_cfg)
        name = type(self).__name__
        if not 1 <= num_stages <= 4:
            raise ValueError(f'{name}: num_stages must be in [1, 4], got {num_stages}')
        if len(strides) < num_stages or len(dilations) < num_stages:
            raise ValueError(f'{name}: strides and dilations need {num_stages} entries')
        self.depth, self.num_stages = depth, num_stages
        self.stem_channels, self.base_channels = stem_channels, base_channels
        self.strides, self.dilations = strides, dilations
        self.out_indices = normalize_out_indices(out_indices, num_stages, name)
        self.style, self.deep_stem, self.avg_down = style, deep_stem, avg_down
        self.frozen_stages, self.norm_eval = frozen_stages, norm_eval
        self.conv_cfg, self.norm_cfg, self.with_cp = conv_cfg, norm_cfg, with_cp
        self.zero_init_residual = zero_init_residual
        stages = self._stage_layout(depth, num_stages, expansion)

        self._make_stem_layer(in_channels, stem_channels)
        self._make_res_layers(stages, drop_path_rate)
        self._apply_frozen_stages()

    def _stage_layout(self, depth: int, num_stages: int,
                      expansion: Optional[int]) -> List[dict]:
        """Per stage, the block, ``num_blocks``, ``out_channels`` and other block arguments.

        The first ``num_stages`` stages of ``arch_settings[depth]``, doubling in width from
        ``base_channels * expansion``; sets ``block``, ``expansion`` and ``stage_blocks``.
        """
        if depth not in self.arch_settings:
            raise KeyError(f'invalid depth {depth} for {type(self).__name__}; choose from '
                           f'{sorted(self.arch_settings)}')
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.expansion = get_expansion(self.block, expansion)
        width = self.base_channels * self.expansion
        return [dict(block=self.block, num_blocks=num_blocks, out_channels=width * 2**i,
                     expansion=self.expansion) for i, num_blocks in enumerate(self.stage_blocks)]

    def _make_res_layers(self, stages: List[dict], drop_path_rate: float) -> None:
        """Add the stages as ``layer1``, ``layer2``, ... with linearly rising drop path rates."""
        rates = torch.linspace(0, drop_path_rate, sum(self.stage_blocks)).tolist()
        self.res_layers = []
        stage_in = self.stem_channels
        for i, stage in enumerate(stages):
            res_layer = self.make_res_layer(
                **stage, in_channels=stage_in, stride=self.strides[i],
                dilation=self.dilations[i], style=self.style, avg_down=self.avg_down,
                with_cp=self.with_cp, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                drop_path_rate=rates[:stage['num_blocks']])
            rates = rates[stage['num_blocks']:]
            self.add_module(f'layer{i + 1}', res_layer)
            self.res_layers.append(f'layer{i + 1}')
            stage_in = stage['out_channels']
        self.feat_dim = res_layer[-1].out_channels

    def make_res_layer(self, **kwargs) -> nn.Module:
        """Build one stage; subclasses add block arguments (ResNeXt groups, SE ratio)."""
        return ResLayer(**kwargs)

    norm1 = norm_property(1)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        if self.deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(
                ConvModule(in_channels, half, kernel_size=3, stride=2, padding=1,
                           conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, inplace=True),
                ConvModule(half, half, kernel_size=3, stride=1, padding=1,
                           conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, inplace=True),
                ConvModule(half, stem_channels, kernel_size=3, stride=1, padding=1,
                           conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, inplace=True))
        else:
            self._make_conv_stem(in_channels, stem_channels, kernel_size=7, stride=2)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _make_conv_stem(self, in_channels: int, stem_channels: int, kernel_size: int,
                        stride: int) -> None:
        """The single-conv stem: ``conv1`` (padding ``kernel_size // 2``), ``norm1``, ReLU."""
        self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, kernel_size,
                                      stride=stride, padding=kernel_size // 2, bias=False)
        self.norm1_name = add_named_norm(self, self.norm_cfg, stem_channels, 1)
        self.relu = nn.ReLU(inplace=True)

    def _stem_modules(self) -> List[nn.Module]:
        return [self.stem] if self.deep_stem else [self.conv1, self.norm1]

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        layers = map(self.get_submodule, self.res_layers[:self.frozen_stages])
        return [*self._stem_modules(), *layers]

    def init_weights(self) -> None:
        super().init_weights()
        pretrained = has_pretrained_init(self.init_cfg)
        if pretrained or not self.zero_init_residual:
            return
        for m in self.modules():
            if isinstance(m, Bottleneck):
                constant_init(m.norm3, 0)
            elif isinstance(m, BasicBlock):
                constant_init(m.norm2, 0)

    def _forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        return self.maxpool(x)

    def forward(self, x: torch.Tensor) -> tuple:
        layers = map(self.get_submodule, self.res_layers)
        return self._forward_stages(self._forward_stem(x), layers)


@MODELS.register_module()
class ResNetV1c(ResNet):
    """ResNet-C: the 7x7 stem replaced by three 3x3 convs (Bag of Tricks, He et al. 2019)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(deep_stem=True, avg_down=False, **kwargs)


@MODELS.register_module()
class ResNetV1d(ResNet):
    """ResNet-D: the deep stem plus average-pool shortcuts in the downsampling blocks."""

    def __init__(self, **kwargs) -> None:
        super().__init__(deep_stem=True, avg_down=True, **kwargs)


__all__ = [
    'BasicBlock', 'Bottleneck', 'ResLayer', 'get_expansion', 'ResNet', 'ResNetV1c', 'ResNetV1d'
]
