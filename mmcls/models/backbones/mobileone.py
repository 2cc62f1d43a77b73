"""MobileOne (Vasu et al., 2023): depthwise/pointwise blocks trained with several conv+BN
branches, a 1x1 scale branch and a BN identity, fused by ``switch_to_deploy()``."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ModuleList, SELayer, Sequential, build_activation_layer, build_conv_layer
from ..utils.arch_lookup import lookup_arch
from ..utils.frozen_stages import check_frozen_stages
from ..utils.reparam import fuse_conv_bn, identity_kernel, pad_kernel_to
from .base_backbone import BaseBackbone, normalize_out_indices, resolve_arch, stem_and_stages
from .repvgg import ReparamBlock, deploy_blocks

# num_blocks per stage; width_factor multiplies (64, 128, 256, 512); num_conv_branches: the
# over-parameterisation k; num_se_blocks: the last blocks of each stage that carry SE.
arch_settings = {
    's0': dict(num_blocks=[2, 8, 10, 1], width_factor=[0.75, 1.0, 1.0, 2.0],
               num_conv_branches=[4, 4, 4, 4], num_se_blocks=[0, 0, 0, 0]),
    's1': dict(num_blocks=[2, 8, 10, 1], width_factor=[1.5, 1.5, 2.0, 2.5],
               num_conv_branches=[1, 1, 1, 1], num_se_blocks=[0, 0, 0, 0]),
    's2': dict(num_blocks=[2, 8, 10, 1], width_factor=[1.5, 2.0, 2.5, 4.0],
               num_conv_branches=[1, 1, 1, 1], num_se_blocks=[0, 0, 0, 0]),
    's3': dict(num_blocks=[2, 8, 10, 1], width_factor=[2.0, 2.5, 3.0, 4.0],
               num_conv_branches=[1, 1, 1, 1], num_se_blocks=[0, 0, 0, 0]),
    's4': dict(num_blocks=[2, 8, 10, 1], width_factor=[3.0, 3.5, 3.5, 4.0],
               num_conv_branches=[1, 1, 1, 1], num_se_blocks=[0, 0, 5, 1]),
}
BASE_CHANNELS = (64, 128, 256, 512)


class MobileOneBlock(ReparamBlock):
    """``act(se(sum(conv_bn_k(x)) + bn(conv1x1(x)) + bn(x)))``; deploy: ``act(se(conv(x)))``.

    The 1x1 ``branch_scale`` exists for kernels larger than 1, the BN identity ``branch_norm``
    when input and output shapes agree.

    Args:
        num_convs: number of parallel conv+BN branches of ``kernel_size``.
        stride / padding / dilation: of those branches (the 1x1 branch is not padded).
        groups: convolution groups (``in_channels`` for the depthwise blocks).
        se_cfg: ``SELayer`` arguments, or ``None``.
        deploy: build the fused ``branch_reparam`` convolution only.
    """
    _branch_names = ('branch_conv_list', 'branch_scale', 'branch_norm')

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 num_convs: int,
                 stride: int = 1,
                 padding: int = 1,
                 dilation: int = 1,
                 groups: int = 1,
                 se_cfg: Optional[dict] = None,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 deploy: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        self.num_conv_branches = num_convs
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, conv_cfg, norm_cfg, act_cfg, se_cfg, deploy, init_cfg)
        self.se = SELayer(out_channels, **se_cfg) if se_cfg is not None else nn.Identity()
        self.act = build_activation_layer(act_cfg)

    def _add_branches(self) -> None:
        same_shape = self.in_channels == self.out_channels and self.stride == 1
        self.branch_norm = self._identity_norm(same_shape)
        self.branch_scale = self.create_conv_bn(1) if self.kernel_size > 1 else None
        self.branch_conv_list = ModuleList([
            self.create_conv_bn(self.kernel_size, self.dilation, self.padding)
            for _ in range(self.num_conv_branches)
        ])

    def create_conv_bn(self, kernel_size: int, dilation: int = 1,
                       padding: int = 0) -> Sequential:
        """One training branch: a bias-free convolution of the block's stride and groups, then
        a norm, as ``conv``/``norm``."""
        return self._conv_bn(kernel_size, padding, dilation)

    def _conv(self, kernel_size: int, padding: int, dilation: int, bias: bool) -> nn.Module:
        return build_conv_layer(self.conv_cfg, self.in_channels, self.out_channels, kernel_size,
                                stride=self.stride, padding=padding, dilation=dilation,
                                groups=self.groups, bias=bias)

    def _branches(self, x: torch.Tensor) -> torch.Tensor:
        if self.deploy:
            return self.branch_reparam(x)
        out = 0
        if self.branch_norm is not None:
            out = self.branch_norm(x)
        if self.branch_scale is not None:
            out = out + self.branch_scale(x)
        for branch in self.branch_conv_list:
            out = out + branch(x)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.se(self._branches(x)))

    def reparameterize(self) -> tuple:
        """The (weight, bias) of the single convolution equivalent to all branches."""
        kernel, bias = 0, 0
        for branch in self.branch_conv_list:
            k, b = fuse_conv_bn(branch.conv.weight, branch.norm)
            kernel, bias = kernel + k, bias + b
        if self.branch_scale is not None:
            k, b = fuse_conv_bn(self.branch_scale.conv.weight, self.branch_scale.norm)
            kernel, bias = kernel + pad_kernel_to(k, self.kernel_size), bias + b
        if self.branch_norm is not None:
            like = self.branch_conv_list[0].conv.weight
            k = identity_kernel(self.in_channels, self.groups, self.kernel_size, like)
            k, b = fuse_conv_bn(k, self.branch_norm)
            kernel, bias = kernel + k, bias + b
        return kernel, bias


@MODELS.register_module()
class MobileOne(BaseBackbone):
    """MobileOne backbone: ``stage0`` stem then four stages of (depthwise, pointwise) pairs.

    Args:
        arch: 's0'-'s4' (lower case, as written) or a dict with ``num_blocks``,
            ``width_factor``, ``num_conv_branches`` and ``num_se_blocks``.
        out_indices: stages (0-3, after the stem) whose outputs are returned.
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages (-1: nothing).
        se_cfg: ``SELayer`` arguments of the blocks listed by ``num_se_blocks``.
        deploy: build fused inference-time blocks.
        norm_eval: keep batch norms in eval mode while training.
        init_cfg: by default Kaiming convolutions and batch norms of unit weight, zero bias.

    ``arch_zoo`` maps 's0'-'s4' to their arch dicts.
    """
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 se_cfg: dict = dict(ratio=16),
                 deploy: bool = False,
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer=['Conv2d']),
                     dict(type='Constant', val=1, layer=['_BatchNorm'])
                 ]) -> None:
        super().__init__(init_cfg)
        if isinstance(arch, str):
            arch = lookup_arch(arch, self.arch_zoo, 'MobileOne')
        self.arch = resolve_arch(arch, self.arch_zoo, 'MobileOne')
        num_stages = len(self.arch['num_blocks'])
        for key in ('width_factor', 'num_conv_branches', 'num_se_blocks'):
            if len(self.arch[key]) != num_stages:
                raise ValueError(f'MobileOne: arch {key} needs {num_stages} entries, '
                                 f'got {self.arch[key]}')
        check_frozen_stages(frozen_stages, -1, num_stages, 'MobileOne')
        self.out_indices = normalize_out_indices(out_indices, num_stages, 'MobileOne')
        self.frozen_stages, self.norm_eval, self.deploy = frozen_stages, norm_eval, deploy
        self._block_cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg,
                               deploy=deploy)
        self.se_cfg = se_cfg

        channels = min(64, int(BASE_CHANNELS[0] * self.arch['width_factor'][0]))
        self.stage0 = MobileOneBlock(in_channels, channels, 3, 1, stride=2, **self._block_cfg)
        self.stages = []
        for i, num_blocks in enumerate(self.arch['num_blocks']):
            out_channels = int(BASE_CHANNELS[i] * self.arch['width_factor'][i])
            stage = self._make_stage(channels, out_channels, num_blocks,
                                     self.arch['num_se_blocks'][i],
                                     self.arch['num_conv_branches'][i])
            self.add_module(f'stage{i + 1}', stage)
            self.stages.append(f'stage{i + 1}')
            channels = out_channels
        self.out_channels = channels
        self._apply_frozen_stages()

    def _make_stage(self, in_channels: int, out_channels: int, num_blocks: int, num_se: int,
                    num_convs: int) -> nn.Sequential:
        if num_se > num_blocks:
            raise ValueError(f'MobileOne: {num_se} SE blocks for a stage of {num_blocks} blocks')
        blocks = []
        for i in range(num_blocks):
            se_cfg = self.se_cfg if i >= num_blocks - num_se else None
            blocks.append(MobileOneBlock(in_channels, in_channels, 3, num_convs,
                                         stride=2 if i == 0 else 1, groups=in_channels,
                                         se_cfg=se_cfg, **self._block_cfg))
            blocks.append(MobileOneBlock(in_channels, out_channels, 1, num_convs, padding=0,
                                         se_cfg=se_cfg, **self._block_cfg))
            in_channels = out_channels
        return Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(self.stage0(x), map(self.get_submodule, self.stages))

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_and_stages(self.stage0, map(self.get_submodule, self.stages),
                               self.frozen_stages)

    def switch_to_deploy(self) -> None:
        """Fuse every block into its single-convolution inference form."""
        deploy_blocks(self, MobileOneBlock)


__all__ = ['MobileOneBlock', 'MobileOne']
