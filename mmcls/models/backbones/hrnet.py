"""HRNet (Wang et al., 2020): parallel high-to-low resolution branches that keep exchanging
information through repeated multi-scale fusion. Classification models add ``HRFuseScales``."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ModuleList, Sequential, build_conv_layer, build_norm_layer
from ..utils.arch_lookup import lookup_arch
from ..utils.base_module import BaseModule
from ..utils.named_norm import add_named_norm, norm_property
from .base_backbone import BaseBackbone
from .resnet import BasicBlock, Bottleneck, ResLayer, get_expansion

BLOCKS = {'BASIC': BasicBlock, 'BOTTLENECK': Bottleneck}


def _stages(width: int) -> list:
    """Per stage: num_modules, num_branches, block, num_blocks, num_channels."""
    return [[1, 1, 'BOTTLENECK', (4, ), (64, )],
            [1, 2, 'BASIC', (4, 4), (width, width * 2)],
            [4, 3, 'BASIC', (4, 4, 4), (width, width * 2, width * 4)],
            [3, 4, 'BASIC', (4, 4, 4, 4), (width, width * 2, width * 4, width * 8)]]


arch_zoo = {f'w{w}': _stages(w) for w in (18, 30, 32, 40, 44, 48, 64)}
_STAGE_KEYS = ('num_modules', 'num_branches', 'block', 'num_blocks', 'num_channels')


def _conv_bn(conv_cfg, norm_cfg, in_channels, out_channels, kernel_size, stride, relu):
    layers = [build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, stride=stride,
                               padding=kernel_size // 2, bias=False),
              build_norm_layer(norm_cfg, out_channels)[1]]
    if relu:
        layers.append(nn.ReLU(inplace=False))
    return nn.Sequential(*layers)


class HRModule(BaseModule):
    """Run each branch's residual blocks, then fuse: every output branch sums all branches,
    upsampled (1x1 conv + nearest) or downsampled (strided 3x3 convs) to its resolution.

    Args:
        multiscale_output: fuse into every branch; ``False`` keeps only the highest resolution.
    """

    def __init__(self,
                 num_branches: int,
                 block: type,
                 num_blocks: Sequence[int],
                 in_channels: List[int],
                 num_channels: Sequence[int],
                 multiscale_output: bool = True,
                 with_cp: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 block_init_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        for name, value in (('num_blocks', num_blocks), ('in_channels', in_channels),
                            ('num_channels', num_channels)):
            if len(value) != num_branches:
                raise ValueError(f'HRModule: {name} has {len(value)} entries for '
                                 f'{num_branches} branches')
        self.num_branches = num_branches
        self.multiscale_output = multiscale_output
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        expansion = get_expansion(block)
        self.in_channels = [c * expansion for c in num_channels]
        self.branches = ModuleList([
            ResLayer(block, num_blocks=num_blocks[i], in_channels=in_channels[i],
                     out_channels=num_channels[i] * expansion, with_cp=with_cp,
                     norm_cfg=norm_cfg, conv_cfg=conv_cfg, init_cfg=block_init_cfg)
            for i in range(num_branches)
        ])
        self.fuse_layers = self._make_fuse_layers() if num_branches > 1 else None
        self.relu = nn.ReLU(inplace=False)

    def _fuse(self, src: int, dst: int) -> Optional[nn.Module]:
        """The path that brings branch ``src`` to the resolution and width of branch ``dst``."""
        channels = self.in_channels
        if src == dst:
            return None
        if src > dst:
            return nn.Sequential(
                build_conv_layer(self.conv_cfg, channels[src], channels[dst], 1, bias=False),
                build_norm_layer(self.norm_cfg, channels[dst])[1],
                nn.Upsample(scale_factor=2**(src - dst), mode='nearest'))
        steps = [_conv_bn(self.conv_cfg, self.norm_cfg, channels[src], channels[src], 3, 2, True)
                 for _ in range(dst - src - 1)]
        steps.append(_conv_bn(self.conv_cfg, self.norm_cfg, channels[src], channels[dst], 3, 2,
                              False))
        return nn.Sequential(*steps)

    def _make_fuse_layers(self) -> nn.ModuleList:
        num_out = self.num_branches if self.multiscale_output else 1
        return nn.ModuleList([
            nn.ModuleList([self._fuse(j, i) for j in range(self.num_branches)])
            for i in range(num_out)
        ])

    def forward(self, x: List[torch.Tensor]) -> List[torch.Tensor]:
        x = [branch(feat) for branch, feat in zip(self.branches, x)]
        if self.fuse_layers is None:
            return x
        fused = []
        for i, paths in enumerate(self.fuse_layers):
            y = x[i]
            for j, path in enumerate(paths):
                if j != i:
                    y = y + path(x[j])
            fused.append(self.relu(y))
        return fused


@MODELS.register_module()
class HRNet(BaseBackbone):
    """HRNet backbone returning the four branch outputs (fine to coarse).

    Args:
        arch: 'w18', 'w30', 'w32', 'w40', 'w44', 'w48' or 'w64' (branch widths).
        extra: a custom architecture, ``dict(stage1=..., ..., stage4=...)`` each with
            ``num_modules``, ``num_branches``, ``block`` ('BASIC'/'BOTTLENECK'),
            ``num_blocks`` and ``num_channels``; overrides ``arch``.
        norm_eval: keep batch norms in eval mode while training.
        zero_init_residual: zero the last norm of every residual block at init.
        multiscale_output: ``False`` makes the last module output the finest branch only.
    """
    arch_zoo = arch_zoo
    # the same table under the name the other backbones use
    arch_settings = arch_zoo
    blocks_dict = BLOCKS

    def __init__(self,
                 arch: str = 'w32',
                 extra: Optional[dict] = None,
                 in_channels: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 zero_init_residual: bool = False,
                 multiscale_output: bool = True,
                 init_cfg=[
                     dict(type='Kaiming', layer='Conv2d'),
                     dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
                 ]) -> None:
        super().__init__(init_cfg)
        self.extra = self.parse_arch(arch, extra)
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.norm_eval, self.with_cp = norm_eval, with_cp
        self.zero_init_residual = zero_init_residual

        self.conv1 = build_conv_layer(conv_cfg, in_channels, 64, 3, stride=2, padding=1,
                                      bias=False)
        self.norm1_name = add_named_norm(self, norm_cfg, 64, 1)
        self.conv2 = build_conv_layer(conv_cfg, 64, 64, 3, stride=2, padding=1, bias=False)
        self.norm2_name = add_named_norm(self, norm_cfg, 64, 2)
        self.relu = nn.ReLU(inplace=True)

        stage1 = self.extra['stage1']
        block = self.blocks_dict[stage1['block']]
        channels = [c * get_expansion(block) for c in stage1['num_channels']]
        # named layer1 (not stage1) as in the released checkpoints
        self.layer1 = ResLayer(block, num_blocks=stage1['num_blocks'][0], in_channels=64,
                               out_channels=channels[0], with_cp=with_cp, norm_cfg=norm_cfg,
                               conv_cfg=conv_cfg)
        for i in range(2, 5):
            cfg = self.extra[f'stage{i}']
            block = self.blocks_dict[cfg['block']]
            new_channels = [c * get_expansion(block) for c in cfg['num_channels']]
            self.add_module(f'transition{i - 1}', self._make_transition(channels, new_channels))
            self.add_module(f'stage{i}', self._make_stage(
                cfg, new_channels, multiscale_output if i == 4 else True))
            channels = new_channels
        self.out_channels = channels

    def parse_arch(self, arch: str, extra: Optional[dict] = None) -> dict:
        """The four stage configs: ``extra`` checked and returned when given, else the
        ``arch_zoo`` row of ``arch`` as ``dict(stage1=..., ..., stage4=...)``."""
        if extra is not None:
            for i in range(1, 5):
                missing = set(_STAGE_KEYS) - set(extra.get(f'stage{i}', {}))
                if missing:
                    raise ValueError(f'HRNet: extra["stage{i}"] misses {sorted(missing)}')
                if extra[f'stage{i}']['block'] not in self.blocks_dict:
                    raise ValueError(f'HRNet: unknown block {extra[f"stage{i}"]["block"]!r}; '
                                     f'expected one of {sorted(self.blocks_dict)}')
            return extra
        stages = lookup_arch(arch, self.arch_zoo, 'HRNet')
        return {f'stage{i + 1}': dict(zip(_STAGE_KEYS, stage)) for i, stage in enumerate(stages)}

    norm1 = norm_property(1)
    norm2 = norm_property(2)

    def _make_transition(self, pre: List[int], cur: List[int]) -> nn.ModuleList:
        """Adapt widths of existing branches; create new branches by striding the coarsest."""
        layers = []
        for i, channels in enumerate(cur):
            if i < len(pre):
                layers.append(nn.Identity() if channels == pre[i] else _conv_bn(
                    self.conv_cfg, self.norm_cfg, pre[i], channels, 3, 1, True))
                continue
            steps = []
            for j in range(i + 1 - len(pre)):
                out = channels if j == i - len(pre) else pre[-1]
                steps.append(_conv_bn(self.conv_cfg, self.norm_cfg, pre[-1], out, 3, 2, True))
            layers.append(nn.Sequential(*steps))
        return nn.ModuleList(layers)

    def _make_stage(self, cfg: dict, in_channels: List[int], multiscale_output: bool) -> nn.Module:
        block = self.blocks_dict[cfg['block']]
        block_init_cfg = None
        if self.zero_init_residual:
            last_norm = 'norm3' if block is Bottleneck else 'norm2'
            block_init_cfg = dict(type='Constant', val=0, override=dict(name=last_norm))
        modules = []
        for i in range(cfg['num_modules']):
            last = i == cfg['num_modules'] - 1
            modules.append(HRModule(
                cfg['num_branches'], block, cfg['num_blocks'], list(in_channels),
                cfg['num_channels'], multiscale_output=multiscale_output or not last,
                with_cp=self.with_cp, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                block_init_cfg=block_init_cfg))
            in_channels = modules[-1].in_channels
        return Sequential(*modules)

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.relu(self.norm1(self.conv1(x)))
        x = self.relu(self.norm2(self.conv2(x)))
        feats = [self.layer1(x)]
        for i in range(2, 5):
            transition = getattr(self, f'transition{i - 1}')
            inputs = [layer(feats[min(j, len(feats) - 1)]) for j, layer in enumerate(transition)]
            feats = getattr(self, f'stage{i}')(inputs)
        return tuple(feats)


__all__ = ['HRModule', 'HRNet']
