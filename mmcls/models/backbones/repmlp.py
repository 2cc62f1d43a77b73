"""RepMLPNet (Ding et al., 2021): MLP blocks whose fully-connected "partition
perceptron" absorbs parallel small-kernel conv branches at deployment (locality injection).

Each stage works on a fixed grid: the map is cut into ``h_parts x w_parts`` partitions of
``path_h x path_w`` pixels, and every partition is mixed by one FC layer (``fc3``, a grouped
1x1 conv shared over ``num_sharesets`` channel groups) plus, during training, k x k conv
branches (``repconv{k}``). :meth:`RepMLPNet.switch_to_deploy` folds batch norms and branches
into ``fc3``.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import BaseModule, ModuleList, Sequential
from ..utils.conv import build_conv_layer
from ..utils.conv_module import ConvModule
from ..utils.embed import PatchEmbed
from ..utils.frozen_stages import stem_stages_transitions
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.reparam import detach_parameters, pad_kernel_to
from ..utils.se_layer import SELayer
from .base_backbone import BaseBackbone, normalize_out_indices, resolve_arch

arch_settings = {
    **dict.fromkeys(['b', 'base'], dict(channels=[96, 192, 384, 768], depths=[2, 2, 12, 2],
                                        sharesets_nums=[1, 4, 32, 128])),
}


def fuse_bn(conv_or_fc: nn.Module, bn: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """The ``(weight, bias)`` of one layer equal to ``bn`` after the bias-free ``conv_or_fc``.

    The layer's output channels may be the ``bn`` channels each repeated
    ``out / bn_channels`` times in a row (``fc3``, normalised per shareset).
    """
    weight = conv_or_fc.weight
    repeat = weight.shape[0] // bn.num_features
    scale = bn.weight / (bn.running_var + bn.eps).sqrt()
    bias = bn.bias - bn.running_mean * scale
    return (weight * scale.repeat_interleave(repeat).reshape(-1, 1, 1, 1),
            bias.repeat_interleave(repeat))


class RepMLPPatchEmbed(PatchEmbed):
    """Patch embedding that keeps the (B, C, H, W) layout: projection -> norm -> ReLU."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        if self.adaptive_padding is not None:
            x = self.adaptive_padding(x)
        x = self.projection(x)
        if self.norm is not None:
            x = self.norm(x)
        x = self.relu(x)
        return x, (x.shape[2], x.shape[3])


class GlobalPerceptron(SELayer):
    """Per-channel gates from the globally pooled map: an SE layer (ReLU squeeze, sigmoid
    excitation) that returns the weights instead of the rescaled input.

    Args:
        input_channels: channels of the map (and of the returned weights).
        ratio: squeeze ratio; the hidden width is ``input_channels // ratio`` made divisible.
        **kwargs: further :class:`SELayer` arguments (``divisor``, ``bias``, ``init_cfg``...).
    """

    def __init__(self, input_channels: int, ratio: int, **kwargs) -> None:
        super().__init__(channels=input_channels, ratio=ratio, return_weight=True,
                         act_cfg=(dict(type='ReLU'), dict(type='Sigmoid')), **kwargs)


class RepMLPBlock(BaseModule):
    """Global perceptron (SE-style gate ``gp``) times the partition perceptron (``fc3`` +
    ``fc3_bn``) plus local perceptron (``repconv{k}`` conv-BN branches).

    Args:
        channels: input and output channels.
        path_h / path_w: height and width of a partition.
        reparam_conv_kernels: kernels of the local-perceptron branches (none when None).
        globalperceptron_ratio: channel reduction of the global perceptron.
        num_sharesets: groups of channels sharing one partition perceptron.
        conv_cfg / norm_cfg: layer configs of ``fc3`` and ``fc3_bn``.
        deploy: build the folded inference form (biased ``fc3`` only).
        init_cfg: initialisation config.
    """

    def __init__(self, channels: int, path_h: int, path_w: int,
                 reparam_conv_kernels: Optional[Sequence[int]] = None,
                 globalperceptron_ratio: int = 4, num_sharesets: int = 1,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 deploy: bool = False, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.deploy = deploy
        self.channels = channels
        self.num_sharesets = num_sharesets
        self.path_h, self.path_w = path_h, path_w
        self.fc_channels = path_h * path_w * num_sharesets
        self.conv_cfg = conv_cfg
        self.gp = GlobalPerceptron(channels, globalperceptron_ratio)
        self.fc3 = build_conv_layer(conv_cfg, self.fc_channels, self.fc_channels, 1,
                                    bias=deploy, groups=num_sharesets)
        self.fc3_bn = nn.Identity() if deploy else build_norm_layer(norm_cfg, num_sharesets)[1]
        self.reparam_conv_kernels = tuple(reparam_conv_kernels or ())
        if not deploy:
            for k in self.reparam_conv_kernels:
                self.add_module(f'repconv{k}', ConvModule(
                    num_sharesets, num_sharesets, k, padding=k // 2, groups=num_sharesets,
                    norm_cfg=dict(type='BN'), act_cfg=None))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        gate = self.gp(inputs)
        shape = inputs.shape
        if shape[2] % self.path_h or shape[3] % self.path_w:
            raise ValueError(f'RepMLPBlock: the {shape[2]}x{shape[3]} map does not split into '
                             f'{self.path_h}x{self.path_w} partitions; RepMLPNet needs an input '
                             'size that is a multiple of its img_size grid')
        h_parts, w_parts = shape[2] // self.path_h, shape[3] // self.path_w
        parts = self.partition(inputs, h_parts, w_parts)
        out = self.partition_affine(parts, h_parts, w_parts)
        if not self.deploy and self.reparam_conv_kernels:
            conv_in = parts.reshape(-1, self.num_sharesets, self.path_h, self.path_w)
            conv_out = 0
            for k in self.reparam_conv_kernels:
                conv_out = conv_out + getattr(self, f'repconv{k}')(conv_in)
            out = out + conv_out.reshape(out.shape)
        out = out.permute(0, 3, 1, 4, 2, 5).reshape(shape)
        return out * gate

    def partition(self, x: torch.Tensor, h_parts: int, w_parts: int) -> torch.Tensor:
        """``(N, C, H, W)`` -> ``(N, h_parts, w_parts, C, path_h, path_w)`` partitions."""
        x = x.reshape(-1, self.channels, h_parts, self.path_h, w_parts, self.path_w)
        return x.permute(0, 2, 4, 1, 3, 5)

    def partition_affine(self, x: torch.Tensor, h_parts: int, w_parts: int) -> torch.Tensor:
        """The partition perceptron (``fc3`` then ``fc3_bn``) on the partitions of
        :meth:`partition`; returns ``(N, h_parts, w_parts, num_sharesets, path_h, path_w)``."""
        out = self.fc3(x.reshape(-1, self.fc_channels, 1, 1))
        out = self.fc3_bn(out.reshape(-1, self.num_sharesets, self.path_h, self.path_w))
        return out.reshape(-1, h_parts, w_parts, self.num_sharesets, self.path_h, self.path_w)

    def _conv_to_fc(self, kernel: torch.Tensor, bias: torch.Tensor):
        """The fc3-shaped weight/bias equal to the grouped conv ``kernel`` on one partition."""
        pixels = self.path_h * self.path_w
        eye = torch.eye(pixels, dtype=kernel.dtype, device=kernel.device)
        eye = eye.repeat(1, self.num_sharesets).reshape(pixels, self.num_sharesets,
                                                          self.path_h, self.path_w)
        fc = F.conv2d(eye, kernel, padding=(kernel.shape[2] // 2, kernel.shape[3] // 2),
                      groups=self.num_sharesets)
        fc = fc.reshape(pixels, self.num_sharesets * pixels).t()
        return fc, bias.repeat_interleave(pixels)

    def get_equivalent_fc3(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """The weight and bias of one biased ``fc3`` equal to ``fc3`` + ``fc3_bn`` plus the
        local-perceptron conv branches (training form only)."""
        weight, bias = fuse_bn(self.fc3, self.fc3_bn)
        if self.reparam_conv_kernels:
            largest = max(self.reparam_conv_kernels)
            kernel = torch.zeros_like(getattr(self, f'repconv{largest}').conv.weight)
            conv_bias = torch.zeros(self.num_sharesets, dtype=weight.dtype, device=weight.device)
            for k in self.reparam_conv_kernels:
                branch = getattr(self, f'repconv{k}')
                k_weight, k_bias = fuse_bn(branch.conv, branch.bn)
                kernel = kernel + pad_kernel_to(k_weight, largest)
                conv_bias = conv_bias + k_bias
            fc_weight, fc_bias = self._conv_to_fc(kernel, conv_bias)
            weight = weight + fc_weight.reshape_as(weight)
            bias = bias + fc_bias
        return weight, bias

    @torch.no_grad()
    def local_inject(self) -> None:
        """Fold ``fc3_bn`` and the conv branches into a biased ``fc3`` (deploy form)."""
        if self.deploy:
            return
        weight, bias = self.get_equivalent_fc3()
        for k in self.reparam_conv_kernels:
            delattr(self, f'repconv{k}')
        self.fc3 = build_conv_layer(self.conv_cfg, self.fc_channels, self.fc_channels, 1,
                                    bias=True, groups=self.num_sharesets).to(weight)
        self.fc3.weight.copy_(weight)
        self.fc3.bias.copy_(bias)
        self.fc3_bn = nn.Identity()
        self.deploy = True


class ConvFFN(nn.Module):
    """Point-wise conv-BN -> activation -> conv-BN (``ffn_fc1`` / ``ffn_fc2``).

    ``hidden_channels`` and ``out_channels`` default to ``in_channels``.
    """

    def __init__(self, in_channels: int, hidden_channels: Optional[int] = None,
                 out_channels: Optional[int] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: dict = dict(type='GELU')) -> None:
        super().__init__()
        hidden_channels = hidden_channels or in_channels
        out_channels = out_channels or in_channels
        self.ffn_fc1 = ConvModule(in_channels, hidden_channels, 1, norm_cfg=norm_cfg,
                                  act_cfg=None)
        self.ffn_fc2 = ConvModule(hidden_channels, out_channels, 1, norm_cfg=norm_cfg,
                                  act_cfg=None)
        self.act = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ffn_fc2(self.act(self.ffn_fc1(x)))


class RepMLPNetUnit(BaseModule):
    """``y = x + repmlp_block(norm1(x))``, ``out = y + ffn_block(norm2(y))``."""

    def __init__(self, channels: int, path_h: int, path_w: int,
                 reparam_conv_kernels: Optional[Sequence[int]], globalperceptron_ratio: int,
                 norm_cfg: dict = dict(type='BN', requires_grad=True), ffn_expand: int = 4,
                 num_sharesets: int = 1, conv_cfg: Optional[dict] = None, deploy: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.repmlp_block = RepMLPBlock(channels, path_h, path_w, reparam_conv_kernels,
                                        globalperceptron_ratio, num_sharesets, conv_cfg,
                                        norm_cfg, deploy)
        self.ffn_block = ConvFFN(channels, channels * ffn_expand)
        self.norm1 = build_norm_layer(norm_cfg, channels)[1]
        self.norm2 = build_norm_layer(norm_cfg, channels)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x + self.repmlp_block(self.norm1(x))
        return y + self.ffn_block(self.norm2(y))


@MODELS.register_module()
class RepMLPNet(BaseBackbone):
    """RepMLPNet backbone.

    Args:
        arch: 'b' / 'base' or a dict with ``channels``, ``depths``, ``sharesets_nums`` (per
            stage).
        img_size: input size the partition grids are laid out for (the FC layers depend on it).
        in_channels / patch_size / patch_cfg: the conv patch embedding.
        out_indices: stages to return (each after the downsampling that follows it, as the
            reference does; the last one through ``final_norm``).
        reparam_conv_kernels: kernel sizes of the local-perceptron conv branches.
        globalperceptron_ratio: squeeze ratio of the global perceptron.
        conv_cfg / norm_cfg: conv and norm layers.
        final_norm: normalise the last stage's output.
        frozen_stages: freeze the patch embedding and the first N stages (with their
            downsampling layers).
        norm_eval: keep batch norms in eval mode while training.
        deploy: build the deploy form directly (fc3 with bias, no conv branches).
    """
    arch_zoo = arch_settings
    num_extra_tokens = 0

    def __init__(self,
                 arch: Union[str, dict],
                 img_size: int = 224,
                 in_channels: int = 3,
                 patch_size: int = 4,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 reparam_conv_kernels: Optional[Sequence[int]] = (3, ),
                 globalperceptron_ratio: int = 4,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 patch_cfg: dict = dict(),
                 final_norm: bool = True,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 deploy: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        settings = resolve_arch(arch, self.arch_zoo, 'RepMLPNet')
        self.num_stage = len(settings['channels'])
        if any(len(v) != self.num_stage for v in settings.values()):
            raise ValueError(f'RepMLPNet: every arch entry needs {self.num_stage} values, got '
                             f'{settings!r}')
        self.channels = list(settings['channels'])
        self.img_size = to_2tuple(img_size)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.deploy = deploy

        patch = dict(in_channels=in_channels, input_size=self.img_size,
                     embed_dims=self.channels[0], conv_type='Conv2d', kernel_size=patch_size,
                     stride=patch_size, norm_cfg=norm_cfg, bias=False)
        patch.update(patch_cfg)
        self.patch_embed = RepMLPPatchEmbed(**patch)
        self.patch_resolution = self.patch_embed.init_out_size

        self.stages = ModuleList()
        self.downsample_layers = ModuleList()
        for i in range(self.num_stage):
            self.stages.append(Sequential(*[
                RepMLPNetUnit(self.channels[i], self.patch_resolution[0] // 2**i,
                              self.patch_resolution[1] // 2**i, reparam_conv_kernels,
                              globalperceptron_ratio, norm_cfg, 4, settings['sharesets_nums'][i],
                              conv_cfg, deploy) for _ in range(settings['depths'][i])
            ]))
            if i < self.num_stage - 1:
                self.downsample_layers.append(ConvModule(
                    self.channels[i], self.channels[i + 1], 2, stride=2, conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg, inplace=True))
        self.out_indices = normalize_out_indices(out_indices, self.num_stage, 'RepMLPNet')
        self.final_norm = (build_norm_layer(norm_cfg, self.channels[-1])[1] if final_norm
                           else nn.Identity())
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        x, _ = self.patch_embed(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i < self.num_stage - 1:
                x = self.downsample_layers[i](x)
            if i in self.out_indices:
                outs.append(self.final_norm(x) if i == self.num_stage - 1 else x)
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        return stem_stages_transitions(self.patch_embed, self.stages, self.downsample_layers,
                                       self.frozen_stages)

    def switch_to_deploy(self) -> None:
        """Fold every block's batch norm and conv branches into its fc3 (inference only)."""
        for m in self.modules():
            if isinstance(m, RepMLPBlock):
                m.local_inject()
        detach_parameters(self)
        self.deploy = True


__all__ = ['RepMLPNet', 'GlobalPerceptron']
