"""DenseNet (Huang et al., 2017): every layer sees the concatenated features of the ones before."""
import math
from typing import List, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils import build_activation_layer, build_norm_layer
from ..utils.arch_lookup import lookup_arch
from ..utils.frozen_stages import check_frozen_stages
from ..utils.grad_checkpoint import checkpointed
from .base_backbone import BaseBackbone, normalize_out_indices

class DenseLayer(nn.Module):
    """Pre-activation bottleneck: norm-act-1x1 conv (to ``bn_size * growth_rate``), norm-act-3x3.

    Takes the list of all previous feature maps and returns ``growth_rate`` new channels.
    ``memory_efficient`` recomputes the concatenation and 1x1 conv in the backward pass.
    """

    def __init__(self,
                 in_channels: int,
                 growth_rate: int,
                 bn_size: int,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 drop_rate: float = 0.,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        mid_channels = bn_size * growth_rate
        self.norm1 = build_norm_layer(norm_cfg, in_channels)[1]
        self.conv1 = nn.Conv2d(in_channels, mid_channels, kernel_size=1, bias=False)
        self.act = build_activation_layer(act_cfg)
        self.norm2 = build_norm_layer(norm_cfg, mid_channels)[1]
        self.conv2 = nn.Conv2d(mid_channels, growth_rate, kernel_size=3, padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        self.memory_efficient = memory_efficient

    def bottleneck_fn(self, features: List[torch.Tensor]) -> torch.Tensor:
        """norm-act-1x1 conv of the concatenated ``features``."""
        return self.conv1(self.act(self.norm1(torch.cat(features, 1))))

    def any_requires_grad(self, features: List[torch.Tensor]) -> bool:
        return any(tensor.requires_grad for tensor in features)

    def call_checkpoint_bottleneck(self, features: List[torch.Tensor]) -> torch.Tensor:
        """``bottleneck_fn`` recomputed in the backward pass instead of stored."""
        return checkpointed(lambda *xs: self.bottleneck_fn(list(xs)), *features, with_cp=True)

    def forward(self, features: List[torch.Tensor]) -> torch.Tensor:
        if self.memory_efficient and self.any_requires_grad(features):
            out = self.call_checkpoint_bottleneck(features)
        else:
            out = self.bottleneck_fn(features)
        out = self.conv2(self.act(self.norm2(out)))
        if self.drop_rate > 0:
            out = F.dropout(out, p=self.drop_rate, training=self.training)
        return out


class DenseBlock(nn.Module):
    """``num_layers`` DenseLayers; returns the input concatenated with every layer's output."""

    def __init__(self,
                 num_layers: int,
                 in_channels: int,
                 bn_size: int,
                 growth_rate: int,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 drop_rate: float = 0.,
                 memory_efficient: bool = False) -> None:
        super().__init__()
        self.block = nn.ModuleList([
            DenseLayer(in_channels + i * growth_rate, growth_rate, bn_size, norm_cfg, act_cfg,
                       drop_rate, memory_efficient) for i in range(num_layers)
        ])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for layer in self.block:
            features.append(layer(features))
        return torch.cat(features, 1)


class DenseTransition(nn.Sequential):
    """Between blocks: norm -> act -> 1x1 conv (compression) -> 2x2 average pooling."""

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU')) -> None:
        super().__init__()
        self.add_module('norm', build_norm_layer(norm_cfg, in_channels)[1])
        self.add_module('act', build_activation_layer(act_cfg))
        self.add_module('conv', nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False))
        self.add_module('pool', nn.AvgPool2d(kernel_size=2, stride=2))


@MODELS.register_module()
class DenseNet(BaseBackbone):
    """DenseNet backbone.

    Args:
        arch: '121', '169', '201', '161', or a dict with ``growth_rate``, ``depths`` and
            ``init_channels``.
        bn_size: bottleneck width multiplier of the dense layers.
        drop_rate: dropout after each dense layer.
        compression_factor: channel reduction of the transitions.
        memory_efficient: checkpoint the bottlenecks (less memory, slower).
        out_indices: stages to output; each output is taken after the stage's transition (the
            last stage's "transition" is the final norm + act).
        frozen_stages: freeze the first ``frozen_stages`` stages and their transitions.
    """

    arch_settings = {
        '121': dict(growth_rate=32, depths=[6, 12, 24, 16], init_channels=64),
        '169': dict(growth_rate=32, depths=[6, 12, 32, 32], init_channels=64),
        '201': dict(growth_rate=32, depths=[6, 12, 48, 32], init_channels=64),
        '161': dict(growth_rate=48, depths=[6, 12, 36, 24], init_channels=96),
    }

    def __init__(self,
                 arch: Union[str, dict] = '121',
                 in_channels: int = 3,
                 bn_size: int = 4,
                 drop_rate: float = 0.,
                 compression_factor: float = 0.5,
                 memory_efficient: bool = False,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if isinstance(arch, str):
            arch = lookup_arch(arch, self.arch_settings, 'DenseNet')
        elif isinstance(arch, dict):
            missing = {'growth_rate', 'depths', 'init_channels'} - set(arch)
            if missing:
                raise KeyError(f'DenseNet: custom arch is missing keys {sorted(missing)}')
        else:
            raise TypeError(f'DenseNet: arch must be a str or a dict, got {type(arch).__name__}')
        self.growth_rate = arch['growth_rate']
        self.depths = list(arch['depths'])
        self.init_channels = arch['init_channels']
        self.num_stages = len(self.depths)
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, 'DenseNet')
        check_frozen_stages(frozen_stages, 0, self.num_stages, 'DenseNet')
        self.frozen_stages = frozen_stages
        self.act = build_activation_layer(act_cfg)

        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, self.init_channels, kernel_size=7, stride=2, padding=3,
                      bias=False),
            build_norm_layer(norm_cfg, self.init_channels)[1], self.act,
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
        self.stages = nn.ModuleList()
        self.transitions = nn.ModuleList()
        channels = self.init_channels
        layer_kwargs = dict(norm_cfg=norm_cfg, act_cfg=act_cfg, drop_rate=drop_rate,
                            memory_efficient=memory_efficient)
        for i, depth in enumerate(self.depths):
            self.stages.append(DenseBlock(depth, channels, bn_size, self.growth_rate,
                                          **layer_kwargs))
            channels += depth * self.growth_rate
            if i != self.num_stages - 1:
                out_channels = math.floor(channels * compression_factor)
                self.transitions.append(DenseTransition(channels, out_channels, norm_cfg,
                                                        act_cfg))
                channels = out_channels
            else:
                # The reference implementation ends with norm + act, counted as a transition.
                self.transitions.append(
                    nn.Sequential(build_norm_layer(norm_cfg, channels)[1], self.act))
        self.out_channels = channels
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.stem(x)
        outs = []
        for i in range(self.num_stages):
            x = self.transitions[i](self.stages[i](x))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        return [*self.transitions[:self.frozen_stages], *self.stages[:self.frozen_stages]]


__all__ = ['DenseNet']
