"""RepLKNet (Ding et al., 2022): depthwise convolutions with very large kernels (up to 31x31),
trained with a parallel small-kernel branch that ``switch_to_deploy()`` merges in."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import DropPath, build_activation_layer, build_conv_layer, build_norm_layer
from ..utils.base_module import BaseModule
from ..utils.conv_norm_init import CONV_NORM_INIT_CFG
from ..utils.frozen_stages import check_frozen_stages, stem_stages_transitions
from ..utils.grad_checkpoint import checkpointed
from ..utils.reparam import detach_parameters, fuse_conv_bn, pad_kernel_to
from .base_backbone import BaseBackbone, normalize_out_indices, resolve_arch

# large_kernel_sizes / layers / channels per stage; small_kernel: the parallel branch (None:
# none); dw_ratio: width of the large-kernel convolution relative to the stage width.
arch_settings = {
    '31b': dict(large_kernel_sizes=[31, 29, 27, 13], layers=[2, 2, 18, 2],
                channels=[128, 256, 512, 1024], small_kernel=5, dw_ratio=1),
    '31l': dict(large_kernel_sizes=[31, 29, 27, 13], layers=[2, 2, 18, 2],
                channels=[192, 384, 768, 1536], small_kernel=5, dw_ratio=1),
    'xl': dict(large_kernel_sizes=[27, 27, 27, 13], layers=[2, 2, 18, 2],
               channels=[256, 512, 1024, 2048], small_kernel=None, dw_ratio=1.5),
}


def conv_bn(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
            padding: Optional[int] = None, groups: int = 1, dilation: int = 1,
            norm_cfg: dict = dict(type='BN'), conv_cfg: Optional[dict] = None
            ) -> nn.Sequential:
    """``conv`` (no bias) -> ``bn``, the checkpoint layout.

    ``padding`` None means ``kernel_size // 2``; ``dilation`` is that of the convolution.
    """
    padding = kernel_size // 2 if padding is None else padding
    layers = nn.Sequential()
    layers.add_module('conv', build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size,
                                               stride=stride, padding=padding,
                                               dilation=dilation, groups=groups, bias=False))
    layers.add_module('bn', build_norm_layer(norm_cfg, out_channels)[1])
    return layers


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: Optional[int] = None, groups: int = 1, dilation: int = 1,
                 norm_cfg: dict = dict(type='BN'), conv_cfg: Optional[dict] = None,
                 act_cfg: dict = dict(type='ReLU')) -> nn.Sequential:
    """:func:`conv_bn` followed by an activation ``nonlinear`` (``act_cfg``, ReLU by default)."""
    layers = conv_bn(in_channels, out_channels, kernel_size, stride, padding, groups, dilation,
                     norm_cfg=norm_cfg, conv_cfg=conv_cfg)
    layers.add_module('nonlinear', build_activation_layer(act_cfg))
    return layers


def fuse_bn(conv: nn.Module, bn: nn.Module) -> tuple:
    """The ``(weight, bias)`` of one convolution equal to ``bn(conv(x))`` (``conv`` without
    bias, ``bn`` in eval mode)."""
    return fuse_conv_bn(conv.weight, bn)


class ReparamLargeKernelConv(BaseModule):
    """Large-kernel conv+BN plus an optional small-kernel conv+BN, summed; ``merge_kernel()``
    folds both into one biased convolution ``lkb_reparam``. Both kernels are padded to keep
    the resolution (``kernel_size // 2``).

    Args:
        in_channels / out_channels / kernel_size / stride / groups: of the large convolution
            (RepLKNet's is depthwise: ``groups == in_channels``).
        small_kernel: kernel of the parallel small convolution (``None``: no such branch).
        small_kernel_merged: build the merged inference form only.
        conv_cfg / norm_cfg: layer configs.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int,
                 groups: int,
                 small_kernel: Optional[int],
                 small_kernel_merged: bool = False,
                 init_cfg: Optional[dict] = None,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN')) -> None:
        super().__init__(init_cfg)
        if small_kernel is not None and small_kernel > kernel_size:
            raise ValueError(f'ReparamLargeKernelConv: small_kernel {small_kernel} exceeds '
                             f'kernel_size {kernel_size}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.small_kernel = kernel_size, small_kernel
        self.stride, self.groups, self.conv_cfg = stride, groups, conv_cfg
        self.small_kernel_merged = small_kernel_merged
        if small_kernel_merged:
            self.lkb_reparam = self._merged_conv()
        else:
            self.lkb_origin = conv_bn(in_channels, out_channels, kernel_size, stride,
                                      groups=groups, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
            if small_kernel is not None:
                self.small_conv = conv_bn(in_channels, out_channels, small_kernel, stride,
                                          groups=groups, conv_cfg=conv_cfg, norm_cfg=norm_cfg)

    def _merged_conv(self) -> nn.Module:
        return build_conv_layer(self.conv_cfg, self.in_channels, self.out_channels,
                                self.kernel_size, stride=self.stride,
                                padding=self.kernel_size // 2, groups=self.groups, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.small_kernel_merged:
            return self.lkb_reparam(x)
        out = self.lkb_origin(x)
        if self.small_kernel is not None:
            out = out + self.small_conv(x)
        return out

    def get_equivalent_kernel_bias(self) -> tuple:
        kernel, bias = fuse_bn(self.lkb_origin.conv, self.lkb_origin.bn)
        if self.small_kernel is not None:
            k, b = fuse_bn(self.small_conv.conv, self.small_conv.bn)
            kernel, bias = kernel + pad_kernel_to(k, self.kernel_size), bias + b
        return kernel, bias

    def merge_kernel(self) -> None:
        """Switch to the single-convolution inference form (in place)."""
        if self.small_kernel_merged:
            return
        weight, bias = self.get_equivalent_kernel_bias()
        conv = self._merged_conv().to(weight)
        conv.weight.data.copy_(weight.detach())
        conv.bias.data.copy_(bias.detach())
        self.lkb_reparam = conv
        del self.lkb_origin
        if self.small_kernel is not None:
            del self.small_conv
        detach_parameters(self)
        self.small_kernel_merged = True


class RepLKBlock(BaseModule):
    """``x + drop_path(pw2(act(large_kernel(pw1(bn(x))))))``.

    Args:
        in_channels: block input and output channels.
        dw_channels: width of the large-kernel depthwise convolution.
        block_lk_size / small_kernel / small_kernel_merged: as :class:`ReparamLargeKernelConv`.
        drop_path: stochastic depth rate.
        norm_cfg / conv_cfg: layer configs.
        act_cfg: the activation after the large-kernel convolution (``lk_nonlinear``);
            ``pw1`` keeps its ReLU.
        init_cfg: initialisation config.
    """

    def __init__(self, in_channels: int, dw_channels: int, block_lk_size: int,
                 small_kernel: Optional[int], drop_path: float, small_kernel_merged: bool = False,
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None, conv_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.pw1 = conv_bn_relu(in_channels, dw_channels, 1, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg)
        self.pw2 = conv_bn(dw_channels, in_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.large_kernel = ReparamLargeKernelConv(dw_channels, dw_channels, block_lk_size, 1,
                                                   dw_channels, small_kernel,
                                                   small_kernel_merged=small_kernel_merged,
                                                   conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        self.lk_nonlinear = build_activation_layer(act_cfg)
        self.prelkb_bn = build_norm_layer(norm_cfg, in_channels)[1]
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.pw1(self.prelkb_bn(x))
        out = self.pw2(self.lk_nonlinear(self.large_kernel(out)))
        return x + self.drop_path(out)


class ConvFFN(BaseModule):
    """``x + drop_path(pw2(act(pw1(bn(x)))))`` with 1x1 conv+BN layers.

    Args:
        in_channels / internal_channels / out_channels: input, hidden and output widths.
        drop_path: stochastic depth rate.
        norm_cfg / act_cfg / conv_cfg: layer configs.
        init_cfg: initialisation config.
    """

    def __init__(self, in_channels: int, internal_channels: int, out_channels: int,
                 drop_path: float, norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='GELU'), init_cfg=None,
                 conv_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.preffn_bn = build_norm_layer(norm_cfg, in_channels)[1]
        self.pw1 = conv_bn(in_channels, internal_channels, 1, conv_cfg=conv_cfg,
                           norm_cfg=norm_cfg)
        self.pw2 = conv_bn(internal_channels, out_channels, 1, conv_cfg=conv_cfg,
                           norm_cfg=norm_cfg)
        self.nonlinear = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.pw2(self.nonlinear(self.pw1(self.preffn_bn(x))))
        return x + self.drop_path(out)


class RepLKNetStage(BaseModule):
    """``num_blocks`` pairs of (RepLKBlock, ConvFFN); ``norm`` is a BN on output stages."""

    def __init__(self, channels: int, num_blocks: int, stage_lk_size: int,
                 drop_path: List[float], small_kernel: Optional[int], dw_ratio: float = 1,
                 ffn_ratio: float = 4, with_cp: bool = False, small_kernel_merged: bool = False,
                 norm_intermediate_features: bool = False, conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'), init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.with_cp = with_cp
        blocks = []
        for i in range(num_blocks):
            blocks.append(RepLKBlock(channels, int(channels * dw_ratio), stage_lk_size,
                                     small_kernel, drop_path[i], small_kernel_merged,
                                     conv_cfg=conv_cfg, norm_cfg=norm_cfg))
            blocks.append(ConvFFN(channels, int(channels * ffn_ratio), channels, drop_path[i],
                                  conv_cfg=conv_cfg, norm_cfg=norm_cfg))
        self.blocks = nn.ModuleList(blocks)
        self.norm = (build_norm_layer(norm_cfg, channels)[1]
                     if norm_intermediate_features else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = checkpointed(block, x, with_cp=self.with_cp)
        return x


@MODELS.register_module()
class RepLKNet(BaseBackbone):
    """RepLKNet backbone: a 4-layer stem, four stages joined by (1x1, strided depthwise 3x3)
    transitions; output stages are batch-normalised.

    Args:
        arch: '31B', '31L', 'XL' or a dict with ``large_kernel_sizes``, ``layers``,
            ``channels``, ``small_kernel`` and ``dw_ratio``.
        ffn_ratio: hidden width of the ConvFFN blocks.
        out_indices: stages whose (normalised) outputs are returned.
        strides: the stride at the entrance of each stage: of the stem's last layer for stage
            0, of the transition's depthwise conv for the others.
        dilations: per stage; RepLKNet's kernels are not dilated, so every entry must be 1
            (accepted for MMClassification 1.x configs).
        act_cfg: activation of the stem and transition layers.
        norm_intermediate_features: accepted for MMClassification 1.x configs; the outputs of
            ``out_indices`` stages are always batch-normalised (``stages[i].norm``), as in
            the published checkpoints, whatever its value.
        frozen_stages: freeze the stem and the first ``frozen_stages`` stages (-1: nothing).
        drop_path_rate: stochastic depth, rising linearly over all blocks.
        small_kernel_merged: build the merged inference form (load re-parameterised weights).
        norm_eval: keep batch norms in eval mode while training.
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 ffn_ratio: float = 4,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 strides: Sequence[int] = (2, 2, 2, 2),
                 dilations: Sequence[int] = (1, 1, 1, 1),
                 frozen_stages: int = -1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 with_cp: bool = False,
                 drop_path_rate: float = 0.3,
                 small_kernel_merged: bool = False,
                 norm_intermediate_features: bool = False,
                 norm_eval: bool = False,
                 init_cfg=CONV_NORM_INIT_CFG) -> None:
        super().__init__(init_cfg)
        self.arch = resolve_arch(arch, self.arch_settings, 'RepLKNet')
        layers, channels = self.arch['layers'], self.arch['channels']
        self.num_stages = len(layers)
        if not len(channels) == len(self.arch['large_kernel_sizes']) == self.num_stages:
            raise ValueError(f'RepLKNet: arch layers, channels and large_kernel_sizes must have '
                             f'the same length, got {self.arch}')
        for name, value in (('strides', strides), ('dilations', dilations)):
            if len(value) != self.num_stages:
                raise ValueError(f'RepLKNet: {name} needs {self.num_stages} entries, got {value}')
        if any(d != 1 for d in dilations):
            raise ValueError(f'RepLKNet: dilations must all be 1, got {dilations}')
        self.strides, self.dilations = tuple(strides), tuple(dilations)
        self.norm_intermediate_features = norm_intermediate_features
        check_frozen_stages(frozen_stages, -1, self.num_stages, 'RepLKNet')
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, 'RepLKNet')
        self.frozen_stages, self.norm_eval, self.with_cp = frozen_stages, norm_eval, with_cp
        self.small_kernel_merged = small_kernel_merged
        cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)
        act = dict(act_cfg=act_cfg, **cfgs)

        width = channels[0]
        self.stem = nn.ModuleList([
            conv_bn_relu(in_channels, width, 3, stride=2, **act),
            conv_bn_relu(width, width, 3, groups=width, **act),
            conv_bn_relu(width, width, 1, **act),
            conv_bn_relu(width, width, 3, stride=strides[0], groups=width, **act),
        ])
        dpr = torch.linspace(0, drop_path_rate, sum(layers)).tolist()
        self.stages = nn.ModuleList()
        self.transitions = nn.ModuleList()
        for i in range(self.num_stages):
            start = sum(layers[:i])
            self.stages.append(RepLKNetStage(
                channels[i], layers[i], self.arch['large_kernel_sizes'][i],
                dpr[start:start + layers[i]], self.arch['small_kernel'],
                dw_ratio=self.arch['dw_ratio'], ffn_ratio=ffn_ratio, with_cp=with_cp,
                small_kernel_merged=small_kernel_merged,
                norm_intermediate_features=i in self.out_indices, **cfgs))
            if i < self.num_stages - 1:
                self.transitions.append(nn.Sequential(
                    conv_bn_relu(channels[i], channels[i + 1], 1, **act),
                    conv_bn_relu(channels[i + 1], channels[i + 1], 3, stride=strides[i + 1],
                                 groups=channels[i + 1], **act)))
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        return tuple(self.forward_features(x))

    def forward_features(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The stem, then the stages with their transitions; the list of the normalised
        outputs of the ``out_indices`` stages."""
        for layer in self.stem:
            x = checkpointed(layer, x, with_cp=self.with_cp)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(stage.norm(x))
            if i < self.num_stages - 1:
                x = self.transitions[i](x)
        return outs

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_stages_transitions(self.stem, self.stages, self.transitions,
                                       self.frozen_stages)

    def switch_to_deploy(self) -> None:
        """Merge every small-kernel branch into its large kernel."""
        for module in self.modules():
            if isinstance(module, ReparamLargeKernelConv):
                module.merge_kernel()
        self.small_kernel_merged = True


__all__ = ['ReparamLargeKernelConv', 'RepLKBlock', 'ConvFFN', 'RepLKNetStage', 'RepLKNet']
