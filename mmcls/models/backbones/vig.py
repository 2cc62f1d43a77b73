"""Vision GNN (Han et al., 2022): an image as a graph of patch nodes.

Each block is a ``Grapher`` (1x1 conv, graph convolution over the k nearest neighbours of every
node in feature space, 1x1 conv, residual) followed by a conv FFN. ``Vig`` is isotropic (one
14x14 grid), ``PyramidVig`` has four stages with strided-conv downsampling and, to keep the kNN
search cheap, keys average-pooled by ``reduce_ratios`` plus a fixed relative-position term.
"""
import math
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import ModuleList, Sequential
from ..utils.drop import DropPath
from ..utils.helpers import is_tracing
from ..utils.norm import build_norm_layer
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch


def get_1d_sincos_pos_embed_from_grid(embed_dim: int, pos: np.ndarray) -> np.ndarray:
    """(M, embed_dim) sine-cosine encoding of the M positions in ``pos`` (any shape, flattened;
    float32 for float32 positions): ``sin(pos * omega)`` in the first half of the channels,
    ``cos`` in the second, with frequencies ``omega = 10000 ** (-i / (embed_dim / 2))``."""
    if embed_dim % 2:
        raise ValueError(f'sincos position embedding: embed_dim must be even, got {embed_dim}')
    omega = np.arange(embed_dim // 2, dtype=np.float32) / np.float32(embed_dim / 2.)
    omega = 1. / 10000**omega
    angles = np.einsum('m,d->md', np.asarray(pos).reshape(-1), omega)
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1)


def get_2d_sincos_pos_embed_from_grid(embed_dim: int, grid: np.ndarray) -> np.ndarray:
    """(H*W, embed_dim) encoding of the 2-D coordinates ``grid`` (2, ..., H, W): the first half
    of the channels encodes ``grid[0]``, the second half ``grid[1]``."""
    if embed_dim % 4:
        raise ValueError('2-D sincos position embedding: embed_dim must be a multiple of 4, '
                         f'got {embed_dim}')
    emb_first = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[0])
    emb_second = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[1])
    return np.concatenate([emb_first, emb_second], axis=1)


def get_2d_sincos_pos_embed(embed_dim: int, grid_size: int, cls_token: bool = False
                            ) -> np.ndarray:
    """(grid_size**2, embed_dim) fixed sine-cosine embedding of a square grid, nodes in
    row-major order, the column encoded in the first half of the channels and the row in the
    second; with ``cls_token`` a zero row is prepended for a class token."""
    coords = np.arange(grid_size, dtype=np.float32)
    grid = np.stack(np.meshgrid(coords, coords), axis=0)  # (column, row) of every node
    pos_embed = get_2d_sincos_pos_embed_from_grid(embed_dim, grid.reshape(2, 1, grid_size,
                                                                          grid_size))
    if cls_token:
        pos_embed = np.concatenate([np.zeros([1, embed_dim]), pos_embed], axis=0)
    return pos_embed


def get_2d_relative_pos_embed(embed_dim: int, grid_size: int) -> np.ndarray:
    """(grid_size**2, grid_size**2) similarity ``2 e_i . e_j / embed_dim`` of the sine-cosine
    embeddings of every pair of grid nodes: largest for a node with itself, falling with
    distance."""
    pos_embed = get_2d_sincos_pos_embed(embed_dim, grid_size)
    return 2 * np.matmul(pos_embed, pos_embed.transpose()) / pos_embed.shape[1]


def relative_pos_bias(channels: int, num_nodes: int, reduce_ratio: int) -> torch.Tensor:
    """Negated :func:`get_2d_relative_pos_embed` of the square grid of ``num_nodes`` nodes,
    resized bicubically to (1, num_nodes, num_nodes / reduce_ratio**2): added to kNN distances
    (keys pooled by ``reduce_ratio``) so nearby nodes rank closer."""
    rel = get_2d_relative_pos_embed(channels, int(math.isqrt(num_nodes)))
    rel = torch.from_numpy(np.float32(rel))[None, None]
    rel = F.interpolate(rel, size=(num_nodes, num_nodes // reduce_ratio**2), mode='bicubic',
                        align_corners=False)
    return -rel[:, 0]


# Float32 unit roundoff: the bound on the relative rounding error of one float32 operation.
_F32_UNIT_ROUNDOFF = 2.0**-24
# How far apart, in units of sqrt(C) float32 roundoffs of |x| |y|, two summation orders of a
# C-term inner product may put it: rounding errors add up like a random walk, and on ViG
# features the blocked order below and one plain sequential pass differ by under 1 unit.
_ORDER_MARGIN = 16
# Summation blocks of the float32 inner products that settle near-tied distances: sequential
# fused multiply-adds over blocks of at most 192 channels (two equal blocks up to 384), the
# blocks then added in order -- the order of MKL's sgemm on AMD EPYC processors, checked bit
# for bit on ViG features.
_INNER_BLOCK = 192


def _inner_blocks(channels: int) -> List[int]:
    """Block lengths of the ordered float32 inner product over ``channels`` terms."""
    if channels <= _INNER_BLOCK:
        return [channels]
    if channels <= 2 * _INNER_BLOCK:
        return [(channels + 1) // 2, channels // 2]
    rest = channels % _INNER_BLOCK
    return [_INNER_BLOCK] * (channels // _INNER_BLOCK) + ([rest] if rest else [])


def _ordered_inner(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Inner products (P,) of the row pairs x (P, C), y (P, C) in float32, summed in the fixed
    order of :func:`_inner_blocks`, each step a fused multiply-add: the float64 product of two
    float32 values is exact, and the float64 sum rounded to float32 is the fused result but for
    a double rounding in about one step in 10**9. Every processor gives the same bits."""
    products = (x.double() * y.double()).t().contiguous()
    total, start = None, 0
    for length in _inner_blocks(x.shape[-1]):
        acc = torch.zeros(x.shape[0], dtype=torch.float32, device=x.device)
        for k in range(start, start + length):
            acc = (products[k] + acc).float()
        total = acc if total is None else total + acc
        start += length
    return total


def _rounding_tolerance(x_square: torch.Tensor, y_square: torch.Tensor, dist: torch.Tensor,
                        channels: int) -> float:
    """How far another summation order of the inner products may move a distance: the
    ``_ORDER_MARGIN`` bound on the inner product (times 2) and a few roundoffs of the sums."""
    x_norm, y_norm = x_square.max().sqrt().item(), y_square.max().sqrt().item()
    return _F32_UNIT_ROUNDOFF * (_ORDER_MARGIN * math.sqrt(channels) * x_norm * y_norm
                                 + 8 * (dist.abs().max().item() + 4 * x_norm * y_norm))


def _rounding_sensitive_entries(dist: torch.Tensor, k: int, tol: float):
    """Batch, node and key indices of the distances that a move of up to ``tol`` could reorder
    among the k nearest of their row: those within ``2 tol`` of their neighbour in the sorted
    row and at most ``2 tol`` beyond its k-th smallest, in rows whose k + 1 smallest are not
    all more than ``2 tol`` apart."""
    k = min(k, dist.shape[-1])
    nearest = torch.topk(dist, k=min(k + 1, dist.shape[-1]), largest=False).values
    batch, node = (nearest.diff(dim=-1) <= 2 * tol).any(dim=-1).nonzero().unbind(dim=1)
    rows, order = dist[batch, node].sort(dim=-1)
    gaps = rows.diff(dim=-1) <= 2 * tol
    close = torch.zeros_like(rows, dtype=torch.bool)
    close[:, 1:] |= gaps
    close[:, :-1] |= gaps
    close &= rows <= rows[:, k - 1:k] + 2 * tol
    row, rank = close.nonzero().unbind(dim=1)
    return batch[row], node[row], order[row, rank]


def _settle_near_ties(dist: torch.Tensor, x: torch.Tensor, y: torch.Tensor, k: int,
                      relative_pos: Optional[torch.Tensor]) -> torch.Tensor:
    """``dist`` (of :func:`xy_pairwise_distance` plus ``relative_pos``) with the distances
    whose rounding could change the ranking of the k nearest neighbours recomputed with
    :func:`_ordered_inner`; distances further apart rank alike on every BLAS."""
    x_square, y_square = _squared_norms(x, y)
    tol = _rounding_tolerance(x_square, y_square, dist, x.shape[-1])
    batch, node, key = _rounding_sensitive_entries(dist, k, tol)
    if not len(batch):
        return dist
    exact = x_square[batch, node, 0] + -2 * _ordered_inner(x[batch, node], y[batch, key])
    exact = exact + y_square[batch, 0, key]
    if relative_pos is not None:
        exact = exact + relative_pos.expand_as(dist)[batch, node, key]
    dist = dist.clone()
    dist[batch, node, key] = exact
    return dist


def _squared_norms(x: torch.Tensor, y: torch.Tensor):
    """Squared norms of x (B, N, C) as (B, N, 1) and of y (B, M, C) as (B, 1, M)."""
    x_square = torch.sum(x * x, dim=-1, keepdim=True)
    y_square = torch.sum(y * y, dim=-1, keepdim=True)
    return x_square, y_square.transpose(2, 1)


@torch.no_grad()
def xy_pairwise_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distances (B, N, M) between node features x (B, N, C), y (B, M, C),
    without gradient."""
    inner = -2 * torch.matmul(x, y.transpose(2, 1))
    x_square, y_square = _squared_norms(x, y)
    return x_square + inner + y_square


@torch.no_grad()
def xy_dense_knn_matrix(x: torch.Tensor, y: torch.Tensor, k: int = 16,
                        relative_pos: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Edge index (2, B, N, k) of the k nodes of y (B, C, M, 1) nearest to each node of
    x (B, C, N, 1), by squared distance plus ``relative_pos`` (broadcast to (B, N, M)) if
    given: ``[0]`` holds the neighbours (nearest first), ``[1]`` the centre node of each edge.

    On CPU, rows whose ranking hinges on rounding are recomputed in a fixed summation order
    (:func:`_settle_near_ties`), so the graph does not depend on the processor's BLAS kernel;
    traced and compiled graphs keep the plain distances."""
    x = x.transpose(2, 1).squeeze(-1)
    y = y.transpose(2, 1).squeeze(-1)
    batch_size, num_points = x.shape[:2]
    x, y = x.detach(), y.detach()
    dist = xy_pairwise_distance(x, y)
    if relative_pos is not None:
        dist = dist + relative_pos
    if x.device.type == 'cpu' and x.dtype == torch.float32 and not is_tracing():
        dist = _settle_near_ties(dist, x, y, k, relative_pos)
    nn_idx = torch.topk(-dist, k=k).indices
    center_idx = torch.arange(num_points, device=x.device).view(1, -1, 1).expand_as(nn_idx)
    return torch.stack((nn_idx, center_idx), dim=0)


class DenseDilated(nn.Module):
    """Keeps every ``dilation``-th of the ``k * dilation`` neighbours in an edge index
    (2, B, N, k * dilation); with ``use_stochastic``, in training and with probability
    ``epsilon``, a random subset of k instead."""

    def __init__(self, k: int = 9, dilation: int = 1, use_stochastic: bool = False,
                 epsilon: float = 0.0) -> None:
        super().__init__()
        self.k = k
        self.dilation = dilation
        self.use_stochastic = use_stochastic
        self.epsilon = epsilon

    def forward(self, edge_index: torch.Tensor) -> torch.Tensor:
        if self.use_stochastic and self.training and torch.rand(1).item() < self.epsilon:
            keep = torch.randperm(self.k * self.dilation)[:self.k]
            return edge_index[:, :, :, keep]
        return edge_index[:, :, :, ::self.dilation]


class DenseDilatedKnnGraph(DenseDilated):
    """Edge index (2, B, N, k) of a dilated kNN graph (see :class:`DenseDilated`) from node
    features x (B, C, N, 1) to keys y (B, C, M, 1), x itself when ``y`` is None, by the
    distance of the L2-normalised features plus an optional ``relative_pos`` bias."""

    def forward(self, x: torch.Tensor, y: Optional[torch.Tensor] = None,
                relative_pos: Optional[torch.Tensor] = None) -> torch.Tensor:
        x = F.normalize(x, p=2.0, dim=1)
        y = x if y is None else F.normalize(y, p=2.0, dim=1)
        edge_index = xy_dense_knn_matrix(x, y, self.k * self.dilation, relative_pos)
        return super().forward(edge_index)


class BasicConv(Sequential):
    """Grouped (4) 1x1 convs between successive ``channels``, each followed by optional norm,
    activation and dropout."""

    def __init__(self, channels: List[int], act_cfg: Optional[dict],
                 norm_cfg: Optional[dict] = None, graph_conv_bias: bool = True,
                 drop: float = 0.) -> None:
        layers = []
        for i in range(1, len(channels)):
            layers.append(nn.Conv2d(channels[i - 1], channels[i], 1, bias=graph_conv_bias,
                                    groups=4))
            if norm_cfg is not None:
                layers.append(build_norm_layer(norm_cfg, channels[-1])[1])
            if act_cfg is not None:
                layers.append(build_activation_layer(act_cfg))
            if drop > 0:
                layers.append(nn.Dropout2d(drop))
        super().__init__(*layers)


def batched_index_select(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Features (B, C, N, k) of the nodes ``idx`` (B, N, k) of x (B, C, M, 1)."""
    B, C = x.shape[:2]
    _, N, k = idx.shape
    flat = idx.reshape(B, 1, N * k).expand(B, C, N * k)
    return torch.gather(x.reshape(B, C, -1), 2, flat).view(B, C, N, k)


def _neighbours(x: torch.Tensor, edge_index: torch.Tensor,
                y: Optional[torch.Tensor]) -> torch.Tensor:
    """Features (B, C, N, k) of the neighbours ``edge_index[0]``, taken from y if given."""
    return batched_index_select(x if y is None else y, edge_index[0])


class _PairGraphConv(nn.Module):
    """A graph conv whose ``nn`` maps a node feature paired with a neighbour term (twice the
    input channels) to ``out_channels``."""

    def __init__(self, in_channels: int, out_channels: int, act_cfg: Optional[dict],
                 norm_cfg: Optional[dict] = None, graph_conv_bias: bool = True) -> None:
        super().__init__()
        self.nn = BasicConv([in_channels * 2, out_channels], act_cfg, norm_cfg,
                            graph_conv_bias)


class MRConv2d(_PairGraphConv):
    """Max-relative graph conv on nodes x (B, C, N, 1) and an edge index (2, B, N, k):
    ``nn([x_i, max_j(x_j - x_i)])`` with the two terms' channels interleaved."""

    def forward(self, x, edge_index, y=None):
        x_i = batched_index_select(x, edge_index[1])
        x_j = (_neighbours(x, edge_index, y) - x_i).max(dim=-1, keepdim=True).values
        B, C, N, _ = x.shape
        return self.nn(torch.stack([x, x_j], dim=2).reshape(B, 2 * C, N, 1))


class EdgeConv2d(_PairGraphConv):
    """Edge conv on nodes x (B, C, N, 1) and an edge index (2, B, N, k):
    ``max_j nn([x_i, x_j - x_i])``."""

    def forward(self, x, edge_index, y=None):
        x_i = batched_index_select(x, edge_index[1])
        x_j = _neighbours(x, edge_index, y)
        return self.nn(torch.cat([x_i, x_j - x_i], dim=1)).max(dim=-1, keepdim=True).values


class GraphSAGE(nn.Module):
    """GraphSAGE on nodes x (B, C, N, 1) and an edge index (2, B, N, k):
    ``nn2([x, max_j nn1(x_j)])``."""

    def __init__(self, in_channels: int, out_channels: int, act_cfg: Optional[dict],
                 norm_cfg: Optional[dict] = None, graph_conv_bias: bool = True) -> None:
        super().__init__()
        self.nn1 = BasicConv([in_channels, in_channels], act_cfg, norm_cfg, graph_conv_bias)
        self.nn2 = BasicConv([in_channels * 2, out_channels], act_cfg, norm_cfg,
                             graph_conv_bias)

    def forward(self, x, edge_index, y=None):
        x_j = self.nn1(_neighbours(x, edge_index, y)).max(dim=-1, keepdim=True).values
        return self.nn2(torch.cat([x, x_j], dim=1))


class GINConv2d(nn.Module):
    """GIN on nodes x (B, C, N, 1) and an edge index (2, B, N, k):
    ``nn((1 + eps) x + sum_j x_j)`` with a learnt ``eps`` (initially 0)."""

    def __init__(self, in_channels: int, out_channels: int, act_cfg: Optional[dict],
                 norm_cfg: Optional[dict] = None, graph_conv_bias: bool = True) -> None:
        super().__init__()
        self.nn = BasicConv([in_channels, out_channels], act_cfg, norm_cfg, graph_conv_bias)
        self.eps = nn.Parameter(torch.zeros(1))

    def forward(self, x, edge_index, y=None):
        x_j = _neighbours(x, edge_index, y).sum(dim=-1, keepdim=True)
        return self.nn((1 + self.eps) * x + x_j)


class GraphConv2d(nn.Module):
    """Static graph conv: applies the ``graph_conv_type`` conv ('mr', 'edge', 'sage' or
    'gin'), held as ``gconv``, to nodes x (B, C, N, 1) along a given edge index."""

    graph_convs = {'mr': MRConv2d, 'edge': EdgeConv2d, 'sage': GraphSAGE, 'gin': GINConv2d}

    def __init__(self, in_channels: int, out_channels: int, graph_conv_type: str,
                 act_cfg: Optional[dict], norm_cfg: Optional[dict] = None,
                 graph_conv_bias: bool = True) -> None:
        super().__init__()
        if graph_conv_type not in self.graph_convs:
            raise ValueError(f'graph_conv_type must be one of {sorted(self.graph_convs)}, '
                             f'got {graph_conv_type!r}')
        self.gconv = self.graph_convs[graph_conv_type](in_channels, out_channels, act_cfg,
                                                       norm_cfg, graph_conv_bias)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor,
                y: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.gconv(x, edge_index, y)


class DyGraphConv2d(GraphConv2d):
    """Dynamic graph conv on a (B, C, H, W) map: build the kNN graph from the current features
    (keys average-pooled by ``r``), then apply the graph conv."""

    def __init__(self, in_channels: int, out_channels: int, k: int = 9, dilation: int = 1,
                 graph_conv_type: str = 'mr', act_cfg: dict = dict(type='GELU'),
                 norm_cfg: Optional[dict] = None, graph_conv_bias: bool = True,
                 use_stochastic: bool = False, epsilon: float = 0.2, r: int = 1) -> None:
        super().__init__(in_channels, out_channels, graph_conv_type, act_cfg, norm_cfg,
                         graph_conv_bias)
        self.k = k
        self.d = dilation
        self.r = r
        self.dilated_knn_graph = DenseDilatedKnnGraph(k, dilation, use_stochastic, epsilon)

    def forward(self, x: torch.Tensor, relative_pos: Optional[torch.Tensor] = None) -> torch.Tensor:
        B, C, H, W = x.shape
        y = None
        if self.r > 1:
            y = F.avg_pool2d(x, self.r, self.r).reshape(B, C, -1, 1).contiguous()
        x = x.reshape(B, C, -1, 1).contiguous()
        edge_index = self.dilated_knn_graph(x, y, relative_pos)
        return super().forward(x, edge_index, y).reshape(B, -1, H, W).contiguous()


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
    """``x + drop_path(fc2(act(fc1(x))))`` with 1x1 conv-BN layers ``in_features ->
    hidden_features -> out_features`` (both default to ``in_features``; the residual needs
    ``out_features == in_features``)."""

    def __init__(self, in_features: int, hidden_features: Optional[int] = None,
                 out_features: Optional[int] = None, act_cfg: dict = dict(type='GELU'),
                 drop_path: float = 0.) -> None:
        super().__init__()
        hidden_features = hidden_features or in_features
        out_features = out_features or in_features
        self.fc1 = _conv_bn(in_features, hidden_features, kernel_size=1)
        self.act = build_activation_layer(act_cfg)
        self.fc2 = _conv_bn(hidden_features, out_features, kernel_size=1)
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

    arch_settings = {
        'tiny': dict(num_blocks=12, channels=192),
        'small': dict(num_blocks=16, channels=320),
        'base': dict(num_blocks=16, channels=640),
    }

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
        arch = resolve_arch(arch, self.arch_settings, 'Vig')
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
                FFN(channels, channels * 4, act_cfg=act_cfg, drop_path=dpr[i]))
            for i in range(self.num_blocks)
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

    arch_settings = {
        'tiny': dict(blocks=[2, 2, 6, 2], channels=[48, 96, 240, 384]),
        'small': dict(blocks=[2, 2, 6, 2], channels=[80, 160, 400, 640]),
        'medium': dict(blocks=[2, 2, 16, 2], channels=[96, 192, 384, 768]),
        'base': dict(blocks=[2, 2, 18, 2], channels=[128, 256, 512, 1024]),
    }
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
        arch = resolve_arch(arch, self.arch_settings, 'PyramidVig')
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
                    FFN(channels, channels * 4, act_cfg=act_cfg, drop_path=dpr[block_idx])))
                block_idx += 1
            self.stages.append(Sequential(*layers))
        self._apply_frozen_stages()


__all__ = ['Vig', 'PyramidVig']
