"""CSPNet (Wang et al., 2020): Cross-Stage-Partial stages for DarkNet, ResNet and ResNeXt."""
from typing import Callable, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule, DropPath, Sequential
from ..utils.base_module import BaseModule
from ..utils.frozen_stages import check_frozen_stages
from .base_backbone import BaseBackbone, normalize_out_indices
from .resnet import Bottleneck

# The names MMClassification 1.x gives the ResNet / ResNeXt bottlenecks in this module (one
# class here: ResNeXt's is the ResNet bottleneck with groups).
ResNetBottleneck = ResNeXtBottleneck = Bottleneck

DEFAULT_NORM = dict(type='BN', eps=1e-5)
# LeakyReLU's slope defaults to 0.01.
DEFAULT_ACT = dict(type='LeakyReLU', inplace=True)


class DepthwiseSeparableConv(BaseModule):
    """A depthwise ``kernel_size`` conv-norm-act (``depthwise_conv``) followed by a pointwise
    1x1 conv-norm-act (``pointwise_conv``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, **kwargs) -> None:
        super().__init__()
        self.depthwise_conv = ConvModule(in_channels, in_channels, kernel_size, stride=stride,
                                         padding=padding, groups=in_channels, **kwargs)
        self.pointwise_conv = ConvModule(in_channels, out_channels, 1, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise_conv(self.depthwise_conv(x))


class DarknetBottleneck(BaseModule):
    """DarkNet basic block: 1x1 conv to ``out_channels / expansion``, 3x3 conv (depthwise
    separable with ``use_depthwise``), identity add."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 expansion: float = 2,
                 add_identity: bool = True,
                 use_depthwise: bool = False,
                 conv_cfg: Optional[dict] = None,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = DEFAULT_NORM,
                 act_cfg: dict = DEFAULT_ACT,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        hidden_channels = int(out_channels / expansion)
        kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv1 = ConvModule(in_channels, hidden_channels, 1, **kwargs)
        conv = DepthwiseSeparableConv if use_depthwise else ConvModule
        self.conv2 = conv(hidden_channels, out_channels, 3, padding=1, **kwargs)
        self.add_identity = add_identity and in_channels == out_channels
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 1e-6 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.drop_path(self.conv2(self.conv1(x)))
        return out + x if self.add_identity else out


class CSPStage(BaseModule):
    """One cross-stage-partial stage.

    (strided 3x3 downsample) -> 1x1 expand -> split the channels in two halves: one half goes
    through the blocks and a 1x1 conv, the other is kept; concat -> 1x1 fuse.

    Args:
        block_fn: block class (DarknetBottleneck or the ResNet bottleneck).
        expand_ratio: expand-conv channels relative to the stage input.
        bottle_ratio: ``expansion`` passed to the blocks.
        down_growth: the downsample conv already outputs ``out_channels``.
        block_args: extra block arguments (ResNeXt groups).
    """

    def __init__(self,
                 block_fn: Callable,
                 in_channels: int,
                 out_channels: int,
                 has_downsampler: bool = True,
                 down_growth: bool = False,
                 expand_ratio: float = 0.5,
                 bottle_ratio: float = 2,
                 num_blocks: int = 1,
                 block_dpr: Union[float, Sequence[float]] = 0.,
                 block_args: dict = {},
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = DEFAULT_NORM,
                 act_cfg: dict = DEFAULT_ACT,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        block_args = dict(block_args)
        if not isinstance(block_dpr, (list, tuple)):
            block_dpr = [block_dpr] * num_blocks
        kwargs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        down_channels = out_channels if down_growth else in_channels
        if has_downsampler:
            self.downsample_conv = ConvModule(in_channels, down_channels, 3, stride=2,
                                              padding=1, groups=block_args.get('groups', 1),
                                              act_cfg=act_cfg, **kwargs)
        else:
            self.downsample_conv = nn.Identity()
        exp_channels = int(down_channels * expand_ratio)
        if exp_channels % 2:
            raise ValueError(f'CSPStage: expanded channels {exp_channels} must be even')
        # Only the DarkNet variant has an activation after the expand conv.
        self.expand_conv = ConvModule(down_channels, exp_channels, 1,
                                      act_cfg=act_cfg if block_fn is DarknetBottleneck else None,
                                      **kwargs)
        block_channels = exp_channels // 2
        self.blocks = Sequential(*[
            block_fn(in_channels=block_channels, out_channels=block_channels,
                     expansion=bottle_ratio, drop_path_rate=block_dpr[i], act_cfg=act_cfg,
                     **kwargs, **block_args) for i in range(num_blocks)
        ])
        self.atfer_blocks_conv = ConvModule(block_channels, block_channels, 1, act_cfg=act_cfg,
                                            **kwargs)
        self.final_conv = ConvModule(2 * block_channels, out_channels, 1, act_cfg=act_cfg,
                                     **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.expand_conv(self.downsample_conv(x))
        split = x.shape[1] // 2
        xa, xb = x[:, :split], x[:, split:]
        xb = self.atfer_blocks_conv(self.blocks(xb)).contiguous()
        return self.final_conv(torch.cat((xa, xb), dim=1))


@MODELS.register_module()
class CSPNet(BaseBackbone):
    """Generic CSPNet: a stem and a sequence of CSPStages described by ``arch``.

    Args:
        arch: dict of per-stage settings (``block_fn``, ``in_channels``, ``out_channels``,
            ``num_blocks``, ``expand_ratio``, ``bottle_ratio``, ``has_downsampler``,
            ``down_growth``, ``block_args``); a scalar applies to every stage.
        stem_fn: callable building the stem from the input channel count.
        out_indices: stages to output (negative counts from the end).
        frozen_stages: freeze the stem and stages ``0..frozen_stages`` (-1: nothing).
        drop_path_rate: stochastic depth, increased linearly over the blocks.
        block_fn: block class of the stages whose ``arch`` names none (keyword only, so that
            the positional order stays ``arch, stem_fn, in_channels``).
    """

    def __init__(self,
                 arch: dict,
                 stem_fn: Callable[[int], nn.Module],
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = -1,
                 drop_path_rate: float = 0.,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = DEFAULT_NORM,
                 act_cfg: dict = DEFAULT_ACT,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = dict(type='Kaiming', layer='Conv2d'),
                 *,
                 block_fn: Optional[Callable] = None) -> None:
        super().__init__(init_cfg)
        if block_fn is not None:
            arch = {'block_fn': block_fn, **arch}
        if 'block_fn' not in arch:
            raise ValueError('CSPNet: arch must name a "block_fn" (or pass block_fn=)')
        self.arch = self.expand_arch(arch)
        self.num_stages = len(self.arch['in_channels'])
        check_frozen_stages(frozen_stages, -1, self.num_stages - 1, type(self).__name__)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.conv_cfg, self.norm_cfg, self.act_cfg = conv_cfg, norm_cfg, act_cfg
        self.stem = stem_fn(in_channels)
        depths = list(self.arch['num_blocks'])
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).split(depths)
        self.stages = Sequential(*[
            CSPStage(**{k: v[i] for k, v in self.arch.items()},
                     block_dpr=dpr[i].tolist(), conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                     act_cfg=act_cfg) for i in range(self.num_stages)
        ])
        self.out_indices = normalize_out_indices(out_indices, self.num_stages,
                                                 type(self).__name__)

    @staticmethod
    def expand_arch(arch: dict) -> Dict[str, tuple]:
        """Broadcast scalar settings to one value per stage; ``block_args`` defaults to ``{}``.

        A ``block_args`` dict and a ``block_fn`` class are scalars, a list or tuple of them
        is per stage.
        """
        num_stages = len(arch['in_channels'])
        arch = {'block_args': {}, **arch}

        def per_stage(key, value):
            if isinstance(value, (list, tuple)):
                if len(value) != num_stages:
                    raise ValueError(f'CSPNet arch: "{key}" has {len(value)} entries for '
                                     f'{num_stages} stages')
                return tuple(value)
            return (value, ) * num_stages

        return {key: per_stage(key, value) for key, value in arch.items()}

    def _init_from_depth(self, depth: int, conv_cfg: Optional[dict], norm_cfg: dict,
                         act_cfg: dict, **kwargs) -> None:
        """Build the ``arch_settings[depth]`` network of a subclass whose
        ``_make_stem_layer(in_channels)`` builds the stem; ``kwargs`` go to ``CSPNet``."""
        if depth not in self.arch_settings:
            raise KeyError(f'{type(self).__name__}: invalid depth {depth}, choose from '
                           f'{sorted(self.arch_settings)}')
        arch = self.arch_settings[depth]
        self.depth = depth
        self._stem_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self._stem_channels = arch['in_channels'][0]
        CSPNet.__init__(self, arch=arch, stem_fn=self._make_stem_layer,
                        conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, **kwargs)

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(self.stem(x), self.stages)

    def _frozen_modules(self) -> List[nn.Module]:
        # frozen_stages counts from 0 here: k freezes the stem and stages 0..k.
        if self.frozen_stages < 0:
            return []
        return [self.stem, *self.stages[:self.frozen_stages + 1]]


@MODELS.register_module()
class CSPDarkNet(CSPNet):
    """CSP-DarkNet53 (the YOLOv4 backbone): a stride-1 3x3 stem and five CSP stages.

    Args:
        depth: 53.
        out_indices: default the last of the five stages.
    """
    arch_settings = {
        53: dict(block_fn=DarknetBottleneck,
                 in_channels=(32, 64, 128, 256, 512),
                 out_channels=(64, 128, 256, 512, 1024),
                 num_blocks=(1, 2, 8, 8, 4),
                 expand_ratio=(2, 1, 1, 1, 1),
                 bottle_ratio=(2, 1, 1, 1, 1),
                 has_downsampler=True,
                 down_growth=True),
    }

    def __init__(self,
                 depth: int,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (4, ),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = DEFAULT_NORM,
                 act_cfg: dict = DEFAULT_ACT,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = dict(type='Kaiming', layer='Conv2d', a=5**0.5,
                                                 distribution='uniform', mode='fan_in',
                                                 nonlinearity='leaky_relu')) -> None:
        self._init_from_depth(depth, conv_cfg, norm_cfg, act_cfg, in_channels=in_channels,
                              out_indices=out_indices, frozen_stages=frozen_stages,
                              norm_eval=norm_eval, init_cfg=init_cfg)

    def _make_stem_layer(self, in_channels: int) -> nn.Module:
        return ConvModule(in_channels, self._stem_channels, 3, padding=1, **self._stem_cfg)


@MODELS.register_module()
class CSPResNet(CSPNet):
    """CSP-ResNet50: the ResNet 7x7 stem (or a deep stem) and four CSP stages of bottlenecks.

    Args:
        depth: 50.
        deep_stem: three 3x3 convs (strides 2, 1, 1) replace the 7x7 conv and its max pool,
            so this stem downsamples by 2 instead of 4.
    """
    arch_settings = {
        50: dict(block_fn=Bottleneck,
                 in_channels=(64, 128, 256, 512),
                 out_channels=(128, 256, 512, 1024),
                 num_blocks=(3, 3, 5, 2),
                 expand_ratio=4,
                 bottle_ratio=2,
                 has_downsampler=(False, True, True, True),
                 down_growth=False),
    }

    def __init__(self,
                 depth: int,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 frozen_stages: int = -1,
                 deep_stem: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = DEFAULT_NORM,
                 act_cfg: dict = DEFAULT_ACT,
                 norm_eval: bool = False,
                 init_cfg: Optional[dict] = dict(type='Kaiming', layer='Conv2d')) -> None:
        self.deep_stem = deep_stem
        self._init_from_depth(depth, conv_cfg, norm_cfg, act_cfg, in_channels=in_channels,
                              out_indices=out_indices, frozen_stages=frozen_stages,
                              norm_eval=norm_eval, init_cfg=init_cfg)

    def _make_stem_layer(self, in_channels: int) -> nn.Module:
        out = self._stem_channels
        if not self.deep_stem:
            return nn.Sequential(
                ConvModule(in_channels, out, 7, stride=2, padding=3, **self._stem_cfg),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        return nn.Sequential(
            ConvModule(in_channels, out // 2, 3, stride=2, padding=1, **self._stem_cfg),
            ConvModule(out // 2, out // 2, 3, padding=1, **self._stem_cfg),
            ConvModule(out // 2, out, 3, padding=1, **self._stem_cfg))


@MODELS.register_module()
class CSPResNeXt(CSPResNet):
    """CSP-ResNeXt50: CSPResNet with 32-group bottlenecks whose middle width equals their output."""
    arch_settings = {
        50: dict(block_fn=Bottleneck,
                 in_channels=(64, 256, 512, 1024),
                 out_channels=(256, 512, 1024, 2048),
                 num_blocks=(3, 3, 5, 2),
                 expand_ratio=(4, 2, 2, 2),
                 bottle_ratio=1,
                 has_downsampler=(False, True, True, True),
                 down_growth=False,
                 # groups * width_per_group * mid // base_channels == mid
                 block_args=dict(groups=32, width_per_group=4, base_channels=128)),
    }


__all__ = ['CSPNet', 'CSPDarkNet', 'CSPResNet', 'CSPResNeXt', 'CSPStage', 'DarknetBottleneck']
