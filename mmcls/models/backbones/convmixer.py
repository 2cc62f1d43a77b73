"""ConvMixer (Trockman & Kolter, 2022, "Patches Are All You Need?"): a patch embedding followed
by isotropic blocks of depthwise (spatial) and pointwise (channel) convolution mixing."""
from typing import List, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import build_activation_layer, build_norm_layer
from ..utils.frozen_stages import check_frozen_stages
from .base_backbone import BaseBackbone, normalize_out_indices, resolve_arch

# embed_dims: width ("h"); depth: number of blocks ("d"); patch_size: stem stride ("p");
# kernel_size: depthwise kernel ("k").
arch_settings = {
    '768/32': dict(embed_dims=768, depth=32, patch_size=7, kernel_size=7),
    '1024/20': dict(embed_dims=1024, depth=20, patch_size=14, kernel_size=9),
    '1536/20': dict(embed_dims=1536, depth=20, patch_size=7, kernel_size=9),
}


class Residual(nn.Module):
    """``fn(x) + x``; ``fn`` keeps the name of the released checkpoints."""

    def __init__(self, fn: nn.Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x) + x


def _mixer_layer(dims: int, kernel_size: int, norm_cfg: dict, act_cfg: dict) -> nn.Sequential:
    """Residual(depthwise conv -> act -> norm), then pointwise conv -> act -> norm."""
    spatial = nn.Sequential(
        nn.Conv2d(dims, dims, kernel_size, groups=dims, padding='same'),
        build_activation_layer(act_cfg),
        build_norm_layer(norm_cfg, dims)[1])
    return nn.Sequential(
        Residual(spatial),
        nn.Conv2d(dims, dims, kernel_size=1),
        build_activation_layer(act_cfg),
        build_norm_layer(norm_cfg, dims)[1])


@MODELS.register_module()
class ConvMixer(BaseBackbone):
    """ConvMixer backbone; every block keeps the patch resolution.

    Args:
        arch: '768/32', '1024/20', '1536/20' or a dict with ``embed_dims``, ``depth``,
            ``patch_size`` and ``kernel_size``.
        act_cfg: activation after every convolution (the 768/32 model uses ReLU).
        out_indices: blocks whose outputs are returned (-1: the last).
        frozen_stages: freeze the stem and the first ``frozen_stages`` blocks (0: nothing).
    """
    arch_settings = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = '768/32',
                 in_channels: int = 3,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='GELU'),
                 out_indices: Union[int, Sequence[int]] = -1,
                 frozen_stages: int = 0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch = resolve_arch(arch, self.arch_settings, 'ConvMixer')
        self.embed_dims, self.depth = self.arch['embed_dims'], self.arch['depth']
        self.out_indices = normalize_out_indices(out_indices, self.depth, 'ConvMixer')
        check_frozen_stages(frozen_stages, 0, self.depth, 'ConvMixer')
        self.frozen_stages = frozen_stages
        patch = self.arch['patch_size']
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, self.embed_dims, kernel_size=patch, stride=patch),
            build_activation_layer(act_cfg),
            build_norm_layer(norm_cfg, self.embed_dims)[1])
        self.stages = nn.Sequential(*[
            _mixer_layer(self.embed_dims, self.arch['kernel_size'], norm_cfg, act_cfg)
            for _ in range(self.depth)
        ])
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        return self._forward_stages(self.stem(x), self.stages)

    def _frozen_modules(self) -> List[nn.Module]:
        # Unlike most backbones, 0 freezes nothing here, not even the stem.
        if self.frozen_stages <= 0:
            return []
        return [self.stem, *self.stages[:self.frozen_stages]]


__all__ = ['ConvMixer']
