"""RepVGG (Ding et al., 2021): a VGG-style plain network trained with 3x3 + 1x1 + identity
branches that ``switch_to_deploy()`` folds into one 3x3 convolution per block."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import (ConvModule, SELayer, Sequential, build_activation_layer,
                     build_conv_layer, build_norm_layer)
from ..utils.base_module import BaseModule
from ..utils.conv_norm_init import CONV_NORM_INIT_CFG
from ..utils.frozen_stages import check_frozen_stages
from ..utils.grad_checkpoint import checkpointed
from ..utils.reparam import detach_parameters, fuse_conv_bn, identity_kernel, pad_kernel_to
from .base_backbone import BaseBackbone, normalize_out_indices, stem_and_stages
from .base_backbone import resolve_arch

_GROUPWISE_LAYERS = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26)
_G2 = {layer: 2 for layer in _GROUPWISE_LAYERS}
_G4 = {layer: 4 for layer in _GROUPWISE_LAYERS}

# num_blocks per stage; width_factor multiplies 64 * 2**i; group_layer_map: block index (counted
# from 1 after the stem) -> groups of its convolutions; se_cfg: SE on every block when given;
# stem_channels (optional, 64 when absent): the stem width, at most that of the first stage.
arch_settings = {
    'a0': dict(num_blocks=[2, 4, 14, 1], width_factor=[0.75, 0.75, 0.75, 2.5],
               group_layer_map=None, se_cfg=None),
    'a1': dict(num_blocks=[2, 4, 14, 1], width_factor=[1, 1, 1, 2.5],
               group_layer_map=None, se_cfg=None),
    'a2': dict(num_blocks=[2, 4, 14, 1], width_factor=[1.5, 1.5, 1.5, 2.75],
               group_layer_map=None, se_cfg=None),
    'b0': dict(num_blocks=[4, 6, 16, 1], width_factor=[1, 1, 1, 2.5],
               group_layer_map=None, se_cfg=None),
    'b1': dict(num_blocks=[4, 6, 16, 1], width_factor=[2, 2, 2, 4],
               group_layer_map=None, se_cfg=None),
    'b1g2': dict(num_blocks=[4, 6, 16, 1], width_factor=[2, 2, 2, 4],
                 group_layer_map=_G2, se_cfg=None),
    'b1g4': dict(num_blocks=[4, 6, 16, 1], width_factor=[2, 2, 2, 4],
                 group_layer_map=_G4, se_cfg=None),
    'b2': dict(num_blocks=[4, 6, 16, 1], width_factor=[2.5, 2.5, 2.5, 5],
               group_layer_map=None, se_cfg=None),
    'b2g2': dict(num_blocks=[4, 6, 16, 1], width_factor=[2.5, 2.5, 2.5, 5],
                 group_layer_map=_G2, se_cfg=None),
    'b2g4': dict(num_blocks=[4, 6, 16, 1], width_factor=[2.5, 2.5, 2.5, 5],
                 group_layer_map=_G4, se_cfg=None),
    'b3': dict(num_blocks=[4, 6, 16, 1], width_factor=[3, 3, 3, 5],
               group_layer_map=None, se_cfg=None),
    'b3g2': dict(num_blocks=[4, 6, 16, 1], width_factor=[3, 3, 3, 5],
                 group_layer_map=_G2, se_cfg=None),
    'b3g4': dict(num_blocks=[4, 6, 16, 1], width_factor=[3, 3, 3, 5],
                 group_layer_map=_G4, se_cfg=None),
    'd2se': dict(num_blocks=[8, 14, 24, 1], width_factor=[2.5, 2.5, 2.5, 5],
                 group_layer_map=None, se_cfg=dict(ratio=16, divisor=1)),
    'yolox-pai-small': dict(num_blocks=[3, 5, 7, 3], width_factor=[1, 1, 1, 1],
                            group_layer_map=None, se_cfg=None, stem_channels=32),
}
DEFAULT_STEM_CHANNELS = 64


class ReparamBlock(BaseModule):
    """Base of the blocks that train several conv+BN branches and fold them into one
    ``branch_reparam`` convolution for inference (RepVGGBlock, MobileOneBlock).

    The base records the geometry of the fused convolution and builds either that
    convolution (``deploy``) or the training branches (``_add_branches()``). Subclasses
    provide ``_conv(kernel_size, padding, dilation, bias)``, ``_add_branches()``,
    ``reparameterize()`` (the fused weight and bias), and name their training branches in
    ``_branch_names``. The layer configs the block was built from stay readable as
    ``conv_cfg``, ``norm_cfg``, ``act_cfg`` and ``se_cfg`` (``None`` without SE).
    """

    _branch_names: Tuple[str, ...] = ()

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 padding: int, dilation: int, groups: int, conv_cfg: Optional[dict],
                 norm_cfg: dict, act_cfg: dict, se_cfg: Optional[dict], deploy: bool,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.groups = dilation, groups
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.act_cfg, self.se_cfg = act_cfg, se_cfg
        self.deploy = deploy
        if deploy:
            self.branch_reparam = self._conv(kernel_size, padding, dilation, bias=True)
        else:
            self._add_branches()

    def _identity_norm(self, same_shape: bool) -> Optional[nn.Module]:
        """The batch-norm identity branch, which exists only when input and output agree."""
        return build_norm_layer(self.norm_cfg, self.in_channels)[1] if same_shape else None

    def _conv_bn(self, kernel_size: int, padding: int, dilation: int) -> nn.Sequential:
        """A bias-free ``_conv`` then a norm, named ``conv``/``norm`` as in the checkpoints."""
        conv_bn = Sequential()
        conv_bn.add_module('conv', self._conv(kernel_size, padding, dilation, bias=False))
        conv_bn.add_module('norm', build_norm_layer(self.norm_cfg, self.out_channels)[1])
        return conv_bn

    def switch_to_deploy(self) -> None:
        """Replace the training branches by one fused convolution (in place)."""
        if self.deploy:
            return
        weight, bias = self.reparameterize()
        conv = self._conv(self.kernel_size, self.padding, self.dilation, bias=True).to(weight)
        conv.weight.data.copy_(weight.detach())
        conv.bias.data.copy_(bias.detach())
        self.branch_reparam = conv
        for name in self._branch_names:
            delattr(self, name)
        detach_parameters(self)
        self.deploy = True


class RepVGGBlock(ReparamBlock):
    """``act(se(bn(conv3x3(x)) + bn(conv1x1(x)) + bn(x)))``; in deploy form ``act(se(conv(x)))``.

    The identity branch (``branch_norm``) exists only when input and output shapes agree.

    Args:
        se_cfg: arguments of ``SELayer`` (applied after the branch sum), or ``None``.
        deploy: build the single fused ``branch_reparam`` convolution instead of the branches.
    """
    _branch_names = ('branch_3x3', 'branch_1x1', 'branch_norm')

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int = 1,
                 padding: int = 1,
                 dilation: int = 1,
                 groups: int = 1,
                 padding_mode: str = 'zeros',
                 se_cfg: Optional[dict] = None,
                 with_cp: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 deploy: bool = False,
                 init_cfg=None) -> None:
        self.padding_mode = padding_mode
        super().__init__(in_channels, out_channels, 3, stride, padding, dilation, groups,
                         conv_cfg, norm_cfg, act_cfg, se_cfg, deploy, init_cfg)
        self.with_cp = with_cp
        self.se_layer = SELayer(out_channels, **se_cfg) if se_cfg is not None else None
        self.act = build_activation_layer(act_cfg)

    def _add_branches(self) -> None:
        self.branch_norm = self._identity_norm(self.in_channels == self.out_channels
                                               and self.stride == 1
                                               and self.padding == self.dilation)
        self.branch_3x3 = self.create_conv_bn(3, self.dilation, self.padding)
        self.branch_1x1 = self.create_conv_bn(1)

    def create_conv_bn(self, kernel_size: int, dilation: int = 1,
                       padding: int = 0) -> nn.Sequential:
        """A training branch: a bias-free ``kernel_size`` conv of the block's stride and
        groups, then a norm (submodules ``conv`` and ``norm``)."""
        return self._conv_bn(kernel_size, padding, dilation)

    def _conv(self, kernel_size: int, padding: int, dilation: int, bias: bool) -> nn.Module:
        return build_conv_layer(self.conv_cfg, self.in_channels, self.out_channels, kernel_size,
                                stride=self.stride, padding=padding, dilation=dilation,
                                groups=self.groups, bias=bias, padding_mode=self.padding_mode)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.deploy:
            out = self.branch_reparam(x)
        else:
            out = self.branch_3x3(x) + self.branch_1x1(x)
            if self.branch_norm is not None:
                out = out + self.branch_norm(x)
        if self.se_layer is not None:
            out = self.se_layer(out)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(checkpointed(self._forward, x, with_cp=self.with_cp))

    def reparameterize(self) -> tuple:
        """The (weight, bias) of the 3x3 convolution equivalent to the three branches."""
        kernel, bias = fuse_conv_bn(self.branch_3x3.conv.weight, self.branch_3x3.norm)
        k1, b1 = fuse_conv_bn(self.branch_1x1.conv.weight, self.branch_1x1.norm)
        kernel, bias = kernel + pad_kernel_to(k1, 3), bias + b1
        if self.branch_norm is not None:
            k_id = identity_kernel(self.in_channels, self.groups, 3, kernel)
            k_id, b_id = fuse_conv_bn(k_id, self.branch_norm)
            kernel, bias = kernel + k_id, bias + b_id
        return kernel, bias


def deploy_blocks(backbone: nn.Module, block_type: type) -> None:
    """Switch every ``block_type`` block of ``backbone`` to its fused inference form and mark
    the backbone ``deploy`` (RepVGG, MobileOne)."""
    for module in backbone.modules():
        if isinstance(module, block_type):
            module.switch_to_deploy()
    backbone.deploy = True


class MTSPPF(nn.Module):
    """Multi-scale max-pool fusion (YOLOX-PAI): 1x1 conv to half width, three chained
    ``kernel_size`` max-pools, the four maps concatenated, 1x1 conv to ``out_channels``."""

    def __init__(self, in_channels: int, out_channels: int, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'), kernel_size: int = 5) -> None:
        super().__init__()
        hidden = in_channels // 2
        self.conv1 = ConvModule(in_channels, hidden, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv2 = ConvModule(hidden * 4, out_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.maxpool = nn.MaxPool2d(kernel_size, stride=1, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = [self.conv1(x)]
        for _ in range(3):
            maps.append(self.maxpool(maps[-1]))
        return self.conv2(torch.cat(maps, 1))


@MODELS.register_module()
class RepVGG(BaseBackbone):
    """RepVGG backbone: a stem block then four stages (``stem``, ``stage_1`` ... ``stage_4``).

    Args:
        arch: 'A0'-'A2', 'B0'-'B3' (with 'g2'/'g4' group variants), 'D2se',
            'yolox-pai-small', or a dict with ``num_blocks``, ``width_factor``,
            ``group_layer_map``, ``se_cfg`` and optionally ``stem_channels``: the stem has
            ``min(stem_channels, int(base_channels * width_factor[0]))`` channels, with
            ``stem_channels`` 64 when the arch does not give it.
        base_channels: channels of stage 1 before ``width_factor``.
        out_indices: stages whose outputs are returned.
        strides / dilations: of the first block of each stage.
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages (-1: nothing).
        norm_eval: keep batch norms in eval mode while training.
        deploy: build the fused inference-time blocks (load re-parameterised weights).
        add_ppf: run the last stage's output through an :class:`MTSPPF` block (``ppf``), the
            YOLOX-PAI variant; otherwise ``ppf`` is an identity.
    """
    arch_settings = arch_settings
    # blocks (counted from 1 after the stem) whose convs are grouped in the g2/g4 variants,
    # and the ``group_layer_map`` of those variants
    groupwise_layers = list(_GROUPWISE_LAYERS)
    g2_layer_map = _G2
    g4_layer_map = _G4

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 base_channels: int = 64,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 strides: Sequence[int] = (2, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 deploy: bool = False,
                 norm_eval: bool = False,
                 add_ppf: bool = False,
                 init_cfg=CONV_NORM_INIT_CFG) -> None:
        super().__init__(init_cfg)
        self.arch = resolve_arch(arch, self.arch_settings, 'RepVGG')
        num_blocks, width_factor = self.arch['num_blocks'], self.arch['width_factor']
        num_stages = len(num_blocks)
        if not len(width_factor) == len(strides) == len(dilations) == num_stages:
            raise ValueError(f'RepVGG: width_factor, strides and dilations need {num_stages} '
                             f'entries, got {width_factor}, {strides}, {dilations}')
        check_frozen_stages(frozen_stages, -1, num_stages, 'RepVGG')
        self.out_indices = normalize_out_indices(out_indices, num_stages, 'RepVGG')
        self.frozen_stages, self.norm_eval, self.deploy = frozen_stages, norm_eval, deploy
        block_cfg = dict(se_cfg=self.arch['se_cfg'], with_cp=with_cp, conv_cfg=conv_cfg,
                         norm_cfg=norm_cfg, act_cfg=act_cfg, deploy=deploy)
        group_map = self.arch['group_layer_map'] or {}

        channels = min(self.arch.get('stem_channels', DEFAULT_STEM_CHANNELS),
                       int(base_channels * width_factor[0]))
        self.stem = RepVGGBlock(in_channels, channels, stride=2, **block_cfg)
        self.stages = []
        block_idx = 1
        for i, depth in enumerate(num_blocks):
            out_channels = int(base_channels * 2**i * width_factor[i])
            blocks = []
            for j in range(depth):
                blocks.append(RepVGGBlock(
                    channels, out_channels, stride=strides[i] if j == 0 else 1,
                    padding=dilations[i], dilation=dilations[i],
                    groups=group_map.get(block_idx, 1), **block_cfg))
                channels = out_channels
                block_idx += 1
            self.add_module(f'stage_{i + 1}', Sequential(*blocks))
            self.stages.append(f'stage_{i + 1}')
        self.out_channels = channels
        self.ppf = (MTSPPF(channels, channels, norm_cfg=norm_cfg, act_cfg=act_cfg)
                    if add_ppf else nn.Identity())
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        *stages, last = map(self.get_submodule, self.stages)
        return self._forward_stages(self.stem(x), [*stages, lambda t: self.ppf(last(t))])

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_and_stages(self.stem, map(self.get_submodule, self.stages),
                               self.frozen_stages)

    def switch_to_deploy(self) -> None:
        """Fuse every block into its single-convolution inference form."""
        deploy_blocks(self, RepVGGBlock)


__all__ = ['ReparamBlock', 'RepVGGBlock', 'MTSPPF', 'RepVGG', 'deploy_blocks']
