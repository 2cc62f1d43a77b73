"""HorNet (Rao et al., 2022): recursive gated convolutions (gnConv) that model high-order
spatial interactions, in a ConvNeXt-style macro design. '-gf' variants replace the depthwise
convolution of the last two stages by a global (FFT) + local filter."""
import copy
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp

from mmcls.registry import MODELS
from ..utils import DropPath, LayerScale, ModuleList, build_norm_layer
from ..utils.weight_init import trunc_normal_
from .convnext import ConvNeXtLike
from .base_backbone import resolve_arch

_DW7 = dict(type='DW', kernel_size=7)
_GF = [_DW7, _DW7, dict(type='GF', h=14, w=8), dict(type='GF', h=7, w=4)]
_ORDERS = [2, 3, 4, 5]
_DEPTHS = [2, 3, 18, 2]

# base_dim: stage-1 width (doubling per stage); orders: gnConv order per stage; dw_cfg: the
# spatial mixing of each stage ('DW' depthwise conv or 'GF' global-local filter).
arch_zoo = {
    **dict.fromkeys(['t', 'tiny'], dict(base_dim=64, depths=_DEPTHS, orders=_ORDERS,
                                        dw_cfg=[_DW7] * 4)),
    **dict.fromkeys(['t-gf', 'tiny-gf'], dict(base_dim=64, depths=_DEPTHS, orders=_ORDERS,
                                              dw_cfg=_GF)),
    **dict.fromkeys(['s', 'small'], dict(base_dim=96, depths=_DEPTHS, orders=_ORDERS,
                                         dw_cfg=[_DW7] * 4)),
    **dict.fromkeys(['s-gf', 'small-gf'], dict(base_dim=96, depths=_DEPTHS, orders=_ORDERS,
                                               dw_cfg=_GF)),
    **dict.fromkeys(['b', 'base'], dict(base_dim=128, depths=_DEPTHS, orders=_ORDERS,
                                        dw_cfg=[_DW7] * 4)),
    **dict.fromkeys(['b-gf', 'base-gf'], dict(base_dim=128, depths=_DEPTHS, orders=_ORDERS,
                                              dw_cfg=_GF)),
    **dict.fromkeys(['l', 'large'], dict(base_dim=192, depths=_DEPTHS, orders=_ORDERS,
                                         dw_cfg=[_DW7] * 4)),
    **dict.fromkeys(['l-gf', 'large-gf'], dict(base_dim=192, depths=_DEPTHS, orders=_ORDERS,
                                               dw_cfg=_GF)),
}

_LN2D = dict(type='LN2d', eps=1e-6)


def get_dwconv(dim: int, kernel_size: int, bias: bool = True) -> nn.Conv2d:
    """A ``dim``-channel depthwise conv with 'same' padding for odd ``kernel_size``."""
    return nn.Conv2d(dim, dim, kernel_size=kernel_size, padding=(kernel_size - 1) // 2,
                     bias=bias, groups=dim)


class HorNetLayerNorm(nn.Module):
    """LayerNorm over the channels of either layout.

    Args:
        normalized_shape: the number of channels.
        eps: added to the variance.
        data_format: ``'channels_last'`` for (N, H, W, C) inputs, ``'channels_first'`` for
            (N, C, H, W) inputs.
    """

    def __init__(self, normalized_shape: int, eps: float = 1e-6,
                 data_format: str = 'channels_last') -> None:
        super().__init__()
        if data_format not in ('channels_last', 'channels_first'):
            raise ValueError("data_format must be 'channels_last' or 'channels_first', "
                             f'got {data_format!r}')
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps
        self.data_format = data_format
        self.normalized_shape = (normalized_shape, )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.data_format == 'channels_last':
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias,
                         self.eps)
        return x.permute(0, 3, 1, 2).contiguous()


class GlobalLocalFilter(nn.Module):
    """Half the channels through a 3x3 depthwise conv, half through a learnable filter in the
    2-D Fourier domain (``complex_weight``, resized when the input size differs)."""

    def __init__(self, dim: int, h: int = 14, w: int = 8) -> None:
        super().__init__()
        self.dw = get_dwconv(dim // 2, 3, bias=False)
        self.complex_weight = nn.Parameter(torch.empty(dim // 2, h, w, 2))
        trunc_normal_(self.complex_weight, std=.02)
        self.pre_norm = HorNetLayerNorm(dim, eps=1e-6, data_format='channels_first')
        self.post_norm = HorNetLayerNorm(dim, eps=1e-6, data_format='channels_first')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pre_norm(x)
        local, glob = torch.chunk(x, 2, dim=1)
        local = self.dw(local)
        n, c, h, w = glob.shape
        spectrum = torch.fft.rfft2(glob.float(), dim=(2, 3), norm='ortho')
        weight = self.complex_weight
        if weight.shape[1:3] != spectrum.shape[2:4]:
            weight = F.interpolate(weight.permute(3, 0, 1, 2), size=spectrum.shape[2:4],
                                   mode='bilinear', align_corners=True).permute(1, 2, 3, 0)
        spectrum = spectrum * torch.view_as_complex(weight.contiguous())
        glob = torch.fft.irfft2(spectrum, s=(h, w), dim=(2, 3), norm='ortho')
        # interleave the two halves channel by channel
        x = torch.stack([local, glob], dim=2).reshape(n, 2 * c, h, w)
        return self.post_norm(x)


class gnConv(nn.Module):
    """Recursive gated convolution of ``order`` n: gates of growing width computed by one
    depthwise (or global-local) filter, applied recursively through 1x1 projections."""

    def __init__(self, dim: int, order: int = 5, dw_cfg: dict = _DW7,
                 scale: float = 1.0) -> None:
        super().__init__()
        self.order = order
        self.dims = [dim // 2**i for i in range(order)][::-1]
        self.scale = scale
        self.proj_in = nn.Conv2d(dim, 2 * dim, 1)
        cfg = copy.deepcopy(dw_cfg)
        dw_type = cfg.pop('type')
        total = sum(self.dims)
        if dw_type == 'DW':
            self.dwconv = get_dwconv(total, **cfg)
        elif dw_type == 'GF':
            self.dwconv = GlobalLocalFilter(total, **cfg)
        else:
            raise ValueError(f"gnConv: dw_cfg type must be 'DW' or 'GF', got {dw_type!r}")
        self.proj_out = nn.Conv2d(dim, dim, 1)
        self.projs = nn.ModuleList(
            [nn.Conv2d(self.dims[i], self.dims[i + 1], 1) for i in range(order - 1)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        first, rest = torch.split(self.proj_in(x), (self.dims[0], sum(self.dims)), dim=1)
        gates = torch.split(self.dwconv(rest) * self.scale, self.dims, dim=1)
        x = first * gates[0]
        for proj, gate in zip(self.projs, gates[1:]):
            x = proj(x) * gate
        return self.proj_out(x)


class HorNetBlock(nn.Module):
    """``x + gamma1 * gnConv(norm1(x))`` then ``x + gamma2 * MLP(norm2(x))``."""

    def __init__(self, dim: int, order: int = 5, dw_cfg: dict = _DW7, scale: float = 1.0,
                 drop_path_rate: float = 0., use_layer_scale: bool = True) -> None:
        super().__init__()
        self.out_channels = dim
        self.norm1 = HorNetLayerNorm(dim, eps=1e-6, data_format='channels_first')
        self.gnconv = gnConv(dim, order, dw_cfg, scale)
        self.norm2 = HorNetLayerNorm(dim, eps=1e-6, data_format='channels_last')
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        if use_layer_scale:
            self.gamma1 = LayerScale(dim, data_format='channels_first', scale=1e-6)
            self.gamma2 = LayerScale(dim, scale=1e-6)
        else:
            self.gamma1, self.gamma2 = nn.Identity(), nn.Identity()
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0. else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.gamma1(self.gnconv(self.norm1(x))))
        out = self.pwconv2(self.act(self.pwconv1(self.norm2(x.permute(0, 2, 3, 1)))))
        return x + self.drop_path(self.gamma2(out).permute(0, 3, 1, 2))


@MODELS.register_module()
class HorNet(ConvNeXtLike):
    """HorNet backbone (ConvNeXt-like stem, downsampling and output norms).

    Args:
        arch: 'tiny', 'small', 'base', 'large' (or 't', 's', 'b', 'l'), each also with '-gf';
            or a dict with ``base_dim``, ``depths``, ``orders`` and ``dw_cfg``. The resolved
            settings are kept as ``arch_settings``.
        drop_path_rate: stochastic depth, rising linearly over all blocks.
        scale: scale of the gates of every gnConv.
        use_layer_scale: per-channel layer scale on both residual branches.
        out_indices: stages whose (normalised) outputs are returned (``norm{i}``).
        frozen_stages: freeze the downsample layers and blocks of the first stages.
        with_cp: gradient checkpointing in every block.
        gap_before_final_norm: pool before ``norm{i}`` and return (N, C) vectors.
    """
    arch_zoo = arch_zoo

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 in_channels: int = 3,
                 drop_path_rate: float = 0.,
                 scale: float = 1 / 3,
                 use_layer_scale: bool = True,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 frozen_stages: int = -1,
                 with_cp: bool = False,
                 gap_before_final_norm: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'HorNet')
        depths = self.arch_settings['depths']
        self.num_stages = num_stages = len(depths)
        dims = [self.arch_settings['base_dim'] * 2**i for i in range(num_stages)]
        self._init_outputs(out_indices, frozen_stages, gap_before_final_norm,
                           lowest_frozen_stages=-1)
        self.with_cp = with_cp

        self.downsample_layers = ModuleList([self._make_stem(in_channels, dims[0], 4, _LN2D)])
        for i in range(num_stages - 1):
            self.downsample_layers.append(self._make_downsample(dims[i], dims[i + 1], _LN2D))
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        self.stages = ModuleList()
        start = 0
        orders, dw_cfgs = self.arch_settings['orders'], self.arch_settings['dw_cfg']
        for i, depth in enumerate(depths):
            self.stages.append(nn.Sequential(*[
                HorNetBlock(dims[i], orders[i], dw_cfgs[i], scale, dpr[start + j],
                            use_layer_scale) for j in range(depth)
            ]))
            start += depth
        for i in self.out_indices:
            self.add_module(f'norm{i}', build_norm_layer(_LN2D, dims[i])[1])
        self._apply_frozen_stages()

    def _forward_stage(self, index: int, x: torch.Tensor) -> torch.Tensor:
        stage = self.stages[index]
        if self.with_cp and x.requires_grad:
            return cp.checkpoint_sequential(stage, len(stage), x, use_reentrant=False)
        return stage(x)


__all__ = ['get_dwconv', 'HorNetLayerNorm', 'GlobalLocalFilter', 'gnConv', 'HorNetBlock', 'HorNet']
