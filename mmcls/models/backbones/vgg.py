"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convs separated by max-pooling."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule
from .base_backbone import BaseBackbone

# depth -> number of 3x3 convs in each of the five stages
arch_settings = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}


def make_vgg_layer(in_channels: int,
                   out_channels: int,
                   num_blocks: int,
                   conv_cfg: Optional[dict] = None,
                   norm_cfg: Optional[dict] = None,
                   act_cfg: Optional[dict] = dict(type='ReLU'),
                   dilation: int = 1,
                   with_norm: bool = False,
                   ceil_mode: bool = False) -> List[nn.Module]:
    """One VGG stage: ``num_blocks`` 3x3 ConvModules (always with a bias) then a 2x2 max-pool.

    Whether the convs have a norm layer is decided by ``norm_cfg`` alone; ``with_norm`` is
    accepted for compatibility with the reference signature and has no effect there either.
    """
    layers: List[nn.Module] = []
    for _ in range(num_blocks):
        layers.append(ConvModule(in_channels, out_channels, 3, dilation=dilation,
                                 padding=dilation, bias=True, conv_cfg=conv_cfg,
                                 norm_cfg=norm_cfg, act_cfg=act_cfg))
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
    return layers


@MODELS.register_module()
class VGG(BaseBackbone):
    """VGG backbone, optionally with its three fully-connected classifier layers.

    Args:
        depth: 11, 13, 16 or 19.
        num_classes: build the classifier (for 224x224 inputs) when > 0; its logits are the last
            output.
        num_stages: number of conv stages to build (1-5).
        dilations: dilation of each stage.
        out_indices: stages to output; default (5,) with a classifier, else (4,).
        frozen_stages: freeze the first ``frozen_stages`` stages (-1 freezes nothing).
        norm_cfg: e.g. ``dict(type='BN')`` for the batch-norm variants.
        with_last_pool: keep the max-pool of the last stage.
    """
    # depth -> number of 3x3 convs in each of the five stages
    arch_settings = arch_settings

    def __init__(self,
                 depth: int,
                 num_classes: int = -1,
                 num_stages: int = 5,
                 dilations: Sequence[int] = (1, 1, 1, 1, 1),
                 out_indices: Optional[Sequence[int]] = None,
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 norm_eval: bool = False,
                 ceil_mode: bool = False,
                 with_last_pool: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer=['Conv2d']),
                     dict(type='Constant', val=1., layer=['_BatchNorm']),
                     dict(type='Normal', std=0.01, layer=['Linear'])
                 ]) -> None:
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise KeyError(f'VGG: invalid depth {depth}, '
                           f'choose from {sorted(self.arch_settings)}')
        if not 1 <= num_stages <= 5:
            raise ValueError(f'VGG: num_stages must be in [1, 5], got {num_stages}')
        if len(dilations) != num_stages:
            raise ValueError(f'VGG: dilations needs {num_stages} entries, got {len(dilations)}')
        self.stage_blocks = self.arch_settings[depth][:num_stages]
        self.num_classes = num_classes
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        if out_indices is None:
            out_indices = (5, ) if num_classes > 0 else (4, )
        if max(out_indices) > num_stages:
            raise ValueError(f'VGG: out_indices {tuple(out_indices)} exceed num_stages '
                             f'{num_stages}')
        self.out_indices = tuple(out_indices)

        in_channels = 3
        start = 0
        vgg_layers: List[nn.Module] = []
        self.range_sub_modules: List[List[int]] = []
        for i, num_blocks in enumerate(self.stage_blocks):
            out_channels = 64 * 2**i if i < 4 else 512
            vgg_layers += make_vgg_layer(in_channels, out_channels, num_blocks,
                                         conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
                                         dilation=dilations[i], ceil_mode=ceil_mode)
            in_channels = out_channels
            self.range_sub_modules.append([start, start + num_blocks + 1])
            start += num_blocks + 1
        if not with_last_pool:
            vgg_layers.pop(-1)
            self.range_sub_modules[-1][1] -= 1
        self.features = nn.Sequential(*vgg_layers)

        if num_classes > 0:
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(),
                nn.Linear(4096, num_classes))

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        for i, (start, end) in enumerate(self.range_sub_modules):
            for j in range(start, end):
                x = self.features[j](x)
            if i in self.out_indices:
                outs.append(x)
        if self.num_classes > 0:
            outs.append(self.classifier(x.flatten(1)))
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        frozen_ranges = self.range_sub_modules[:max(self.frozen_stages, 0)]
        return [self.features[j] for start, end in frozen_ranges for j in range(start, end)]


__all__ = ['VGG', 'make_vgg_layer']
