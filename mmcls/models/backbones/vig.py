"""Vision GNN (Han et al., 2022): an image as a graph of patch nodes.

Each block is a ``Grapher`` (1x1 conv, graph convolution over the k nearest neighbours of every
node in feature space, 1x1 conv, residual) followed by a conv FFN. ``Vig`` is isotropic (one
14x14 grid), ``PyramidVig`` has four stages with strided-conv downsampling and, to keep the kNN
search cheap, keys average-pooled by ``reduce_ratios`` plus a fixed relative-position term.
"""
import math
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import ModuleList, Sequential
from ..utils.drop import DropPath
from ..utils.norm import build_norm_layer
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch

vig_arch_settings = {
    'tiny': dict(num_blocks=12, channels=192),
    'small': dict(num_blocks=16, channels=320),
    'base': dict(num_blocks=16, channels=640),
}

pvig_arch_settings = {
    'tiny': dict(blocks=[2, 2, 6, 2], channels=[48, 96, 240, 384]),
    'small': dict(blocks=[2, 2, 6, 2], channels=[80, 160, 400, 640]),
    'medium': dict(blocks=[2, 2, 16, 2], channels=[96, 192, 384, 768]),
    'base': dict(blocks=[2, 2, 18, 2], channels=[128, 256, 512, 1024]),
}


def sincos_pos_embed_2d(embed_dims: int, grid_size: int) -> torch.Tensor:
    """(grid_size**2, embed_dims) fixed 2-D sine-cosine embedding: the first half of the
    channels encodes the row, the second half the column (MAE layout)."""
    if embed_dims % 4:
        raise ValueError('sincos_pos_embed_2d: embed_dims must be a multiple of 4, '
                         f'got {embed_dims}')
    quarter = embed_dims // 4
    omega = 1. / 10000**(torch.arange(quarter, dtype=torch.float64) / quarter)
    coords = torch.arange(grid_size, dtype=torch.float64)
    rows = coords.repeat_interleave(grid_size)  # row index of each node
    cols = coords.repeat(grid_size)

    def encode(pos: torch.Tensor) -> torch.Tensor:
        angles = pos[:, None] * omega[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=1)

    return torch.cat([encode(rows), encode(cols)], dim=1).float()


def relative_pos_bias(channels: int, num_nodes: int, reduce_ratio: int) -> torch.Tensor:
    """Negated similarity of the sine-cosine embeddings of every node pair, resized to
    (1, num_nodes, num_nodes / reduce_ratio**2): added to kNN distances so nearby nodes rank
    closer."""
    embed = sincos_pos_embed_2d(channels, int(math.isqrt(num_nodes)))
    rel = 2 * embed @ embed.t() / embed.shape[1]
    rel = F.interpolate(rel[None, None], size=(num_nodes, num_nodes // reduce_ratio**2),
                        mode='bicubic', align_corners=False)
    return -rel[:, 0]


def pairwise_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances (B, N, M) between node features x (B, N, C), y (B, M, C)."""
    inner = -2 * torch.matmul(x, y.transpose(2, 1))
    x_square = torch.sum(x * x, dim=-1, keepdim=True)
    y_square = torch.sum(y * y, dim=-1, keepdim=True)
    return x_square + inner + y_square.transpose(2, 1)


class DilatedKnnGraph(nn.Module):
    """Indices (B, N, k) of the k neighbours of each node among ``k * dilation`` nearest ones
    (every ``dilation``-th; a random subset with probability ``epsilon`` in training when
    ``use_stochastic``), by cosine-normalised feature distance plus an optional bias."""

    def __init__(self, k: int = 9, dilation: int = 1, use_stochastic: bool = False,
                 epsilon: float = 0.) -> None:
        super().__init__()
        self.k = k
        self.dilation = dilation
        self.use_stochastic = use_stochastic
        self.epsilon = epsilon

    @torch.no_grad()
    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None,
                relative_pos: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = F.normalize(x, p=2.0, dim=1).squeeze(-1).transpose(1, 2)
        y = x if y is None else F.normalize(y, p=2.0, dim=1).squeeze(-1).transpose(1, 2)
        dist = pairwise_distance(x, y)
        if relative_pos is not None:
            dist = dist + relative_pos
        nn_idx = torch.topk(-dist, k=self.k * self.dilation).indices
        if self.use_stochastic and self.training and torch.rand(1).item() < self.epsilon:
            return nn_idx[:, :, torch.randperm(self.k * self.dilation)[:self.k]]
        return nn_idx[:, :, ::self.dilation]


def gather_neighbors(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Features (B, C, N, k) of the neighbours ``idx`` (B, N, k) of nodes x (B, C, M, 1)."""
    B, C = x.shape[:2]
    _, N, k = idx.shape
    flat = idx.reshape(B, 1, N * k).expand(B, C, N * k)
    return torch.gather(x.squeeze(-1), 2, flat).view(B, C, N, k)


class BasicConv(Sequential):
    """Grouped (4) 1x1 conv, then optional norm, activation and dropout."""

    def __init__(self, channels: List[int], act_cfg: Optional[dict],
                 norm_cfg: Optional[dict] = None,
                 bias: bool = True, drop: float = 0.) -> None:
        layers = []
        for i in range(1, len(channels)):
            layers.append(nn.Conv2d(channels[i - 1], channels[i], 1, bias=bias, groups=4))
            if norm_cfg is not None:
                layers.append(build_norm_layer(norm_cfg, channels[-1])[1])
            if act_cfg is not None:
                layers.append(build_activation_layer(act_cfg))
            if drop > 0:
                layers.append(nn.Dropout2d(drop))
        super().__init__(*layers)


class _PairGraphConv(nn.Module):
    """A graph conv whose ``nn`` maps a node feature paired with a neighbour term (twice the
    input channels) to ``out_channels``."""

    def __init__(self, in_channels, out_channels, act_cfg, norm_cfg=None, bias=True) -> None:
        super().__init__()
        self.nn = BasicConv([in_channels * 2, out_channels], act_cfg, norm_cfg, bias)


class MRConv2d(_PairGraphConv):
    """Max-relative graph conv: ``nn([x, max_j(x_j - x_i)])`` (channels interleaved)."""

    def forward(self, x, idx, y=None):
        x_j = gather_neighbors(x if y is None else y, idx)
        x_j = (x_j - x).max(dim=-1, keepdim=True).values
        B, C, N, _ = x.shape
        return self.nn(torch.stack([x, x_j], dim=2).reshape(B, 2 * C, N, 1))


class EdgeConv2d(_PairGraphConv):
    """Edge conv: ``max_j nn([x_i, x_j - x_i])``."""

    def forward(self, x, idx, y=None):
        x_j = gather_neighbors(x if y is None else y, idx)
        x_i = x.expand_as(x_j)
        return self.nn(torch.cat([x_i, x_j - x_i], dim=1)).max(dim=-1, keepdim=True).values


class GraphSAGE(nn.Module):
    """GraphSAGE: ``nn2([x, max_j nn1(x_j)])``."""

    def __init__(self, in_channels, out_channels, act_cfg, norm_cfg=None, bias=True) -> None:
        super().__init__()
        self.nn1 = BasicConv([in_channels, in_channels], act_cfg, norm_cfg, bias)
        self.nn2 = BasicConv([in_channels * 2, out_channels], act_cfg, norm_cfg, bias)

    def forward(self, x, idx, y=None):
        x_j = self.nn1(gather_neighbors(x if y is None else y, idx))
        x_j = x_j.max(dim=-1, keepdim=True).values
        return self.nn2(torch.cat([x, x_j], dim=1))


class GINConv2d(nn.Module):
    """GIN: ``nn((1 + eps) x + sum_j x_j)``."""

    def __init__(self, in_channels, out_channels, act_cfg, norm_cfg=None, bias=True) -> None:
        super().__init__()
        self.nn = BasicConv([in_channels, out_channels], act_cfg, norm_cfg, bias)
        self.eps = nn.Parameter(torch.zeros(1))

    def forward(self, x, idx, y=None):
        x_j = gather_neighbors(x if y is None else y, idx).sum(dim=-1, keepdim=True)
        return self.nn((1 + self.eps) * x + x_j)


GRAPH_CONVS = {'mr': MRConv2d, 'edge': EdgeConv2d, 'sage': GraphSAGE, 'gin': GINConv2d}


class DyGraphConv2d(nn.Module):
    """Dynamic graph conv on a (B, C, H, W) map: build the kNN graph from the current features
    (keys average-pooled by ``r``), then apply the graph conv ``gconv``."""

    def __init__(self, in_channels: int, out_channels: int, k: int = 9, dilation: int = 1,
                 graph_conv_type: str = 'mr', act_cfg: dict = dict(type='GELU'),
                 norm_cfg: Optional[dict] = None, bias: bool = True,
                 use_stochastic: bool = False, epsilon: float = 0.2, r: int = 1) -> None:
        super().__init__()
        if graph_conv_type not in GRAPH_CONVS:
            raise ValueError(f'graph_conv_type must be one of {sorted(GRAPH_CONVS)}, '
                             f'got {graph_conv_type!r}')
        self.gconv = GRAPH_CONVS[graph_conv_type](in_channels, out_channels, act_cfg, norm_cfg,
                                                  bias)
        self.r = r
        self.knn = DilatedKnnGraph(k, dilation, use_stochastic, epsilon)

    def forward(self, x: torch.Tensor, relative_pos: Optional[torch.Tensor] = None) -> torch.Tensor:
        B, C, H, W = x.shape
        y = None
        if self.r > 1:
            y = F.avg_pool2d(x, self.r, self.r).reshape(B, C, -1, 1).contiguous()
        x = x.reshape(B, C, -1, 1).contiguous()
        idx = self.knn(x, y, relative_pos)
        return self.gconv(x, idx, y).reshape(B, -1, H, W).contiguous()


def _conv_bn(in_channels: int, out_channels: int, **conv_kwargs) -> Sequential:
    return Sequential(nn.Conv2d(in_channels, out_channels, **conv_kwargs),
                      build_norm_layer(dict(type='BN'), out_channels)[1])


class Grapher(nn.Module):
    """``x + drop_path(fc2(graph_conv(fc1(x))))`` with 1x1 conv-BN ``fc1``/``fc2``."""

    def __init__(self, in_channels: int, k: int = 9, dilation: int = 1,
                 graph_conv_type: str = 'mr', act_cfg: dict = dict(type='GELU'),
                 norm_cfg: Optional[dict] = None, graph_conv_bias: bool = True,
                 use_stochastic: bool = False, epsilon: float = 0.2, r: int = 1, n: int = 196,
                 drop_path: float = 0., relative_pos: bool = False) -> None:
        super().__init__()
        self.n = n
        self.r = r
        self.fc1 = _conv_bn(in_channels, in_channels, kernel_size=1)
        self.graph_conv = DyGraphConv2d(in_channels, in_channels * 2, k, dilation,
                                        graph_conv_type, act_cfg, norm_cfg, graph_conv_bias,
                                        use_stochastic, epsilon, r)
        self.fc2 = _conv_bn(in_channels * 2, in_channels, kernel_size=1)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.relative_pos = None
        if relative_pos:
            self.relative_pos = nn.Parameter(relative_pos_bias(in_channels, n, r),
                                             requires_grad=False)

    def _relative_pos(self, H: int, W: int) -> Optional[torch.Tensor]:
        if self.relative_pos is None or H * W == self.n:
            return self.relative_pos
        size = (H * W, H * W // (self.r * self.r))
        return F.interpolate(self.relative_pos[None], size=size, mode='bicubic',
                             align_corners=False)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.fc2(self.graph_conv(self.fc1(x), self._relative_pos(*x.shape[-2:])))
        return self.drop_path(x) + shortcut


class FFN(nn.Module):
    """``x + drop_path(fc2(act(fc1(x))))`` with 1x1 conv-BN layers."""

    def __init__(self, in_features: int, hidden_features: int,
                 act_cfg: dict = dict(type='GELU'), drop_path: float = 0.) -> None:
        super().__init__()
        self.fc1 = _conv_bn(in_features, hidden_features, kernel_size=1)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = _conv_bn(hidden_features, in_features, kernel_size=1)
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop_path(self.fc2(self.act(self.fc1(x)))) + x


def _stem_layers(channels: Sequence[int], strides: Sequence[int], norm_cfg: dict,
                 act_cfg: dict) -> Sequential:
    """3x3 conv + norm (+ activation except after the last conv) for each channel step."""
    layers = []
    for i, stride in enumerate(strides):
        layers.append(nn.Conv2d(channels[i], channels[i + 1], 3, stride=stride, padding=1))
        layers.append(build_norm_layer(norm_cfg, channels[i + 1])[1])
        if i < len(strides) - 1:
            layers.append(build_activation_layer(act_cfg))
    return Sequential(*layers)


def _add_pos_embed(x: torch.Tensor, pos_embed: torch.Tensor) -> torch.Tensor:
    """``x + pos_embed``, resizing the embedding bicubically for other input sizes."""
    if pos_embed.shape[-2:] != x.shape[-2:]:
        pos_embed = F.interpolate(pos_embed, size=x.shape[-2:], mode='bicubic',
                                  align_corners=False)
    return x + pos_embed


def _pick_rate(drop_path_rate: float, drop_path: float) -> float:
    """The stochastic-depth rate given under either argument name (not both)."""
    if drop_path and drop_path_rate:
        raise ValueError('Vig: give drop_path_rate or its rc6 name drop_path, not both')
    return drop_path or drop_path_rate


class _VigBase(BaseBackbone):
    """Forward pass and frozen stages shared by Vig and PyramidVig (``_units_name`` names the
    ModuleList of blocks or stages that ``out_indices`` and ``frozen_stages`` count)."""

    _units_name = 'blocks'

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages <= 0:
            return []
        return [self.stem, *getattr(self, self._units_name)[:self.frozen_stages]]

    def _frozen_params(self) -> List[nn.Parameter]:
        return [self.pos_embed] if self.frozen_stages > 0 else []

    def forward(self, x: torch.Tensor) -> tuple:
        x = _add_pos_embed(self.stem(x), self.pos_embed)
        return self._forward_stages(x, getattr(self, self._units_name))


@MODELS.register_module()
class Vig(_VigBase):
    """Isotropic Vision GNN backbone.

    Args:
        arch: 'tiny', 'small', 'base' or a dict with ``num_blocks`` and ``channels``.
        in_channels: input image channels.
        k: neighbours of the first block (growing linearly to ``2k`` at the last).
        out_indices: blocks whose (B, C, 14, 14) maps are returned.
        act_cfg / norm_cfg: activation and norm of the stem and graph convs.
        graph_conv_bias: bias in the graph convs.
        graph_conv_type: 'mr', 'edge', 'sage' or 'gin'.
        epsilon: probability of random neighbours (with ``use_stochastic``, training only).
        use_dilation: dilate the kNN graph in deeper blocks.
        use_stochastic: sample neighbours randomly during training.
        drop_path_rate: stochastic depth, increasing linearly over the blocks (``drop_path``,
            the MMClassification 1.0.0rc6 name of this argument, is accepted too).
        relative_pos: add the relative-position term to kNN distances.
        norm_eval: keep batch norms in eval mode while training.
        frozen_stages: freeze the stem, position embedding and the first N blocks.
    """

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 k: int = 9,
                 out_indices: Union[int, Sequence[int]] = -1,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='BN'),
                 graph_conv_bias: bool = True,
                 graph_conv_type: str = 'mr',
                 epsilon: float = 0.2,
                 use_dilation: bool = True,
                 use_stochastic: bool = False,
                 drop_path_rate: float = 0.,
                 drop_path: float = 0.,
                 relative_pos: bool = False,
                 norm_eval: bool = False,
                 frozen_stages: int = 0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        arch = resolve_arch(arch, vig_arch_settings, 'Vig')
        self.num_blocks = arch['num_blocks']
        channels = arch['channels']
        self.out_indices = normalize_out_indices(out_indices, self.num_blocks, 'Vig')
        self.norm_eval = norm_eval
        self.frozen_stages = frozen_stages

        self.stem = _stem_layers([in_channels, channels // 8, channels // 4, channels // 2,
                                  channels, channels], [2, 2, 2, 2, 1], norm_cfg, act_cfg)
        self.pos_embed = nn.Parameter(torch.zeros(1, channels, 14, 14))
        dpr = torch.linspace(0, _pick_rate(drop_path_rate, drop_path), self.num_blocks).tolist()
        num_knn = [int(v) for v in torch.linspace(k, 2 * k, self.num_blocks).tolist()]
        max_dilation = 196 // max(num_knn)
        self.blocks = ModuleList([
            Sequential(
                Grapher(channels, num_knn[i],
                        min(i // 4 + 1, max_dilation) if use_dilation else 1,
                        graph_conv_type, act_cfg, norm_cfg, graph_conv_bias, use_stochastic,
                        epsilon, drop_path=dpr[i], relative_pos=relative_pos),
                FFN(channels, channels * 4, act_cfg, dpr[i])) for i in range(self.num_blocks)
        ])
        self._apply_frozen_stages()


@MODELS.register_module()
class PyramidVig(_VigBase):
    """Pyramid Vision GNN backbone (four stages at strides 4, 8, 16, 32).

    Args:
        arch: 'tiny', 'small', 'medium', 'base' or a dict with ``blocks`` and ``channels``
            (per stage).
        in_channels: input image channels.
        k: neighbours per node.
        out_indices: stages whose maps are returned.
        act_cfg / norm_cfg: activation and norm of the stem, downsampling and graph convs.
        graph_conv_bias / graph_conv_type / epsilon / use_stochastic: as :class:`Vig`.
        drop_path_rate: stochastic depth, increasing linearly over all blocks (or
            ``drop_path``, as :class:`Vig`).
        norm_eval: keep batch norms in eval mode while training.
        frozen_stages: freeze the stem, position embedding and the first N stages.
        img_size: input size the position embedding and relative positions are laid out for.
    """

    reduce_ratios = (4, 2, 1, 1)
    _units_name = 'stages'

    def __init__(self,
                 arch: Union[str, dict],
                 in_channels: int = 3,
                 k: int = 9,
                 out_indices: Union[int, Sequence[int]] = -1,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='BN'),
                 graph_conv_bias: bool = True,
                 graph_conv_type: str = 'mr',
                 epsilon: float = 0.2,
                 use_stochastic: bool = False,
                 drop_path_rate: float = 0.,
                 drop_path: float = 0.,
                 norm_eval: bool = False,
                 frozen_stages: int = 0,
                 img_size: int = 224,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        arch = resolve_arch(arch, pvig_arch_settings, 'PyramidVig')
        self.blocks = list(arch['blocks'])
        self.channels = list(arch['channels'])
        self.num_stages = len(self.blocks)
        num_blocks = sum(self.blocks)
        self.out_indices = normalize_out_indices(out_indices, self.num_stages, 'PyramidVig')
        self.norm_eval = norm_eval
        self.frozen_stages = frozen_stages

        c0 = self.channels[0]
        self.stem = _stem_layers([in_channels, c0 // 2, c0, c0], [2, 2, 1], norm_cfg, act_cfg)
        side = img_size // 4
        self.pos_embed = nn.Parameter(torch.zeros(1, c0, side, side))
        num_nodes = side * side
        dpr = torch.linspace(0, _pick_rate(drop_path_rate, drop_path), num_blocks).tolist()
        max_dilation = 49 // k

        self.stages = ModuleList()
        block_idx = 0
        for stage_idx, depth in enumerate(self.blocks):
            channels = self.channels[stage_idx]
            layers = []
            if stage_idx > 0:
                layers.append(Sequential(
                    nn.Conv2d(self.channels[stage_idx - 1], channels, 3, stride=2, padding=1),
                    build_norm_layer(norm_cfg, channels)[1]))
                num_nodes //= 4
            for _ in range(depth):
                layers.append(Sequential(
                    Grapher(channels, k, min(block_idx // 4 + 1, max_dilation), graph_conv_type,
                            act_cfg, norm_cfg, graph_conv_bias, use_stochastic, epsilon,
                            r=self.reduce_ratios[stage_idx], n=num_nodes,
                            drop_path=dpr[block_idx], relative_pos=True),
                    FFN(channels, channels * 4, act_cfg, dpr[block_idx])))
                block_idx += 1
            self.stages.append(Sequential(*layers))
        self._apply_frozen_stages()


__all__ = ['Vig', 'PyramidVig']
