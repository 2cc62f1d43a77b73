"""Vision GNN building blocks: position embeddings, the kNN edge index, graph convs, FFN and the
arch tables."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmcls.models.backbones import vig
from mmcls.models.backbones.vig import (FFN, BasicConv, DenseDilated, DenseDilatedKnnGraph,
                                        DyGraphConv2d, EdgeConv2d, GINConv2d, GraphConv2d,
                                        GraphSAGE, MRConv2d, PyramidVig, Vig,
                                        batched_index_select,
                                        get_1d_sincos_pos_embed_from_grid,
                                        get_2d_relative_pos_embed, get_2d_sincos_pos_embed,
                                        get_2d_sincos_pos_embed_from_grid, xy_dense_knn_matrix,
                                        xy_pairwise_distance)


def test_1d_sincos_values():
    emb = get_1d_sincos_pos_embed_from_grid(4, np.array([0., 2.], dtype=np.float32))
    assert emb.shape == (2, 4) and emb.dtype == np.float32
    # frequencies 1 and 1/100: [sin(p), sin(p / 100), cos(p), cos(p / 100)]
    np.testing.assert_allclose(emb[0], [0, 0, 1, 1])
    np.testing.assert_allclose(emb[1], [math.sin(2), math.sin(.02), math.cos(2), math.cos(.02)],
                               rtol=1e-6)
    with pytest.raises(ValueError, match='even'):
        get_1d_sincos_pos_embed_from_grid(3, np.zeros(2))


def test_2d_sincos_layout_and_cls_token():
    emb = get_2d_sincos_pos_embed(8, 3)
    assert emb.shape == (9, 8)
    # node 1 is (row 0, column 1), node 3 is (row 1, column 0): column first, row second
    np.testing.assert_array_equal(emb[3, :4], emb[0, :4])
    np.testing.assert_array_equal(emb[1, 4:], emb[0, 4:])
    assert not np.allclose(emb[1, :4], emb[0, :4])
    grid = np.stack(np.meshgrid(np.arange(3.), np.arange(3.)))
    np.testing.assert_allclose(get_2d_sincos_pos_embed_from_grid(8, grid), emb, rtol=1e-6)
    with_cls = get_2d_sincos_pos_embed(8, 3, cls_token=True)
    assert with_cls.shape == (10, 8) and not with_cls[0].any()
    np.testing.assert_array_equal(with_cls[1:], emb)
    with pytest.raises(ValueError, match='multiple of 4'):
        get_2d_sincos_pos_embed_from_grid(6, grid)


def test_relative_pos_embed_peaks_on_the_diagonal():
    rel = get_2d_relative_pos_embed(16, 4)
    assert rel.shape == (16, 16)
    np.testing.assert_allclose(np.diag(rel), 1, rtol=1e-6)  # 2 * (D / 2) / D
    np.testing.assert_allclose(rel, rel.T, rtol=1e-6)
    assert rel[0, 1] > rel[0, 2] > rel[0, 3]  # decreasing along the first row of the grid


def test_pairwise_distance_is_squared_euclidean_without_grad():
    x = torch.randn(2, 5, 3, requires_grad=True)
    y = torch.randn(2, 4, 3)
    dist = xy_pairwise_distance(x, y)
    assert dist.shape == (2, 5, 4) and not dist.requires_grad
    torch.testing.assert_close(dist, torch.cdist(x, y)**2, atol=1e-5, rtol=1e-5)


def _points(coords):
    """(1, 2, N, 1) node features from a list of 2-D points."""
    return torch.tensor(coords, dtype=torch.float).t().reshape(1, 2, -1, 1)


def test_dense_knn_matrix_neighbours_and_centres():
    x = _points([[0., 0.], [1., 0.], [5., 0.]])
    edge_index = xy_dense_knn_matrix(x, x, k=2)
    assert edge_index.shape == (2, 1, 3, 2)
    assert edge_index[0, 0].tolist() == [[0, 1], [1, 0], [2, 1]]  # nearest first
    assert edge_index[1, 0].tolist() == [[0, 0], [1, 1], [2, 2]]
    bias = torch.zeros(1, 3, 3)
    bias[0, 0, 2] = -100.  # makes node 2 the closest to node 0
    assert xy_dense_knn_matrix(x, x, k=1, relative_pos=bias)[0, 0, 0].item() == 2


def test_dense_dilated_keeps_every_dilation_th_or_a_random_subset():
    edge_index = torch.arange(6).view(1, 1, 1, 6).expand(2, 1, 1, 6)
    assert DenseDilated(k=3, dilation=2)(edge_index)[0, 0, 0].tolist() == [0, 2, 4]
    stochastic = DenseDilated(k=3, dilation=2, use_stochastic=True, epsilon=1.)
    picked = stochastic.train()(edge_index)[0, 0, 0].tolist()
    assert len(picked) == 3 and len(set(picked)) == 3 and set(picked) <= set(range(6))
    assert stochastic.eval()(edge_index)[0, 0, 0].tolist() == [0, 2, 4]


def test_knn_graph_to_pooled_keys():
    torch.manual_seed(0)
    graph = DenseDilatedKnnGraph(k=2, dilation=2)
    edge_index = graph(torch.randn(2, 4, 10, 1), torch.randn(2, 4, 5, 1))
    assert edge_index.shape == (2, 2, 10, 2)
    assert edge_index[0].max() < 5 and edge_index[1, :, :, 0].tolist() == [list(range(10))] * 2
    assert isinstance(graph, DenseDilated) and graph.dilation == 2


def test_batched_index_select_per_batch():
    x = torch.arange(12.).view(2, 2, 3, 1)  # batch 1 holds 6..11
    idx = torch.tensor([[[2, 0]], [[1, 1]]])
    out = batched_index_select(x, idx)
    assert out.shape == (2, 2, 1, 2)
    assert out[0, :, 0].tolist() == [[2., 0.], [5., 3.]]
    assert out[1, :, 0].tolist() == [[7., 7.], [10., 10.]]


def test_basic_conv_bias_switch():
    conv = BasicConv([8, 4], dict(type='GELU'), dict(type='BN'), graph_conv_bias=False)
    assert conv[0].bias is None and conv[0].groups == 4
    assert isinstance(conv[1], torch.nn.BatchNorm2d) and len(conv) == 3
    assert BasicConv([8, 4], None)[0].bias is not None


def test_mr_conv_uses_the_centre_index():
    torch.manual_seed(0)
    conv = MRConv2d(4, 8, None).eval()
    x = torch.randn(1, 4, 3, 1)
    neighbours = torch.tensor([[[1, 2], [0, 2], [0, 1]]])
    centres = torch.tensor([[[1, 1], [2, 2], [0, 0]]])  # relative to another node
    x_i = batched_index_select(x, centres)
    relative = (batched_index_select(x, neighbours) - x_i).max(dim=-1, keepdim=True).values
    expected = conv.nn(torch.stack([x, relative], dim=2).reshape(1, 8, 3, 1))
    out = conv(x, torch.stack([neighbours, centres]))
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize('kind,cls', [('mr', MRConv2d), ('edge', EdgeConv2d),
                                      ('sage', GraphSAGE), ('gin', GINConv2d)])
def test_graph_conv_types(kind, cls):
    conv = GraphConv2d(4, 8, kind, dict(type='GELU'), graph_conv_bias=False)
    assert isinstance(conv.gconv, cls)
    x = torch.randn(2, 4, 6, 1)
    edge_index = xy_dense_knn_matrix(x, x, k=3)
    assert conv(x, edge_index).shape == (2, 8, 6, 1)
    y = torch.randn(2, 4, 3, 1)
    assert conv(x, xy_dense_knn_matrix(x, y, k=2), y).shape == (2, 8, 6, 1)


def test_graph_conv_rejects_unknown_type():
    with pytest.raises(ValueError, match='graph_conv_type'):
        GraphConv2d(4, 8, 'gat', dict(type='GELU'))


def test_dynamic_graph_conv_on_a_map():
    conv = DyGraphConv2d(8, 16, k=3, dilation=2, r=2)
    assert isinstance(conv, GraphConv2d) and (conv.k, conv.d, conv.r) == (3, 2, 2)
    assert conv.dilated_knn_graph.k == 3 and conv.dilated_knn_graph.dilation == 2
    assert conv(torch.randn(2, 8, 6, 6)).shape == (2, 16, 6, 6)


def test_ffn_widths():
    ffn = FFN(8)
    assert ffn.fc1[0].out_channels == 8 and ffn.fc2[0].out_channels == 8
    wide = FFN(8, hidden_features=32, drop_path=0.1)
    assert wide.fc1[0].out_channels == 32 and wide.fc2[0].in_channels == 32
    assert FFN(8, out_features=16).fc2[0].out_channels == 16
    assert wide.eval()(torch.randn(1, 8, 3, 3)).shape == (1, 8, 3, 3)


def test_arch_settings():
    assert Vig.arch_settings['small'] == dict(num_blocks=16, channels=320)
    assert set(Vig.arch_settings) == {'tiny', 'small', 'base'}
    assert PyramidVig.arch_settings['medium'] == dict(blocks=[2, 2, 16, 2],
                                                      channels=[96, 192, 384, 768])
    assert set(PyramidVig.arch_settings) == {'tiny', 'small', 'medium', 'base'}
    model = Vig('tiny')
    assert len(model.blocks) == 12 and model.pos_embed.shape == (1, 192, 14, 14)


def _near_tied_nodes(channels=240, nodes=64, keys=40, seed=0):
    """Unit node features x (1, C, N, 1) and keys y (1, C, M, 1) that all lie within 1e-5 of
    one direction, so distances to the keys tie to within float32 rounding."""
    gen = torch.Generator().manual_seed(seed)
    base = torch.randn(channels, 1, 1, generator=gen)
    x = torch.randn(1, channels, nodes, 1, generator=gen)
    y = base + 1e-5 * torch.randn(1, channels, keys, 1, generator=gen)
    return F.normalize(x, dim=1), F.normalize(y, dim=1)


def _permuted_order_distance(x, y):
    """Squared distances whose inner products BLAS sums in another order (channels permuted)."""
    perm = torch.randperm(x.shape[-1], generator=torch.Generator().manual_seed(1))
    inner = -2 * torch.matmul(x[..., perm], y[..., perm].transpose(2, 1))
    x_square = torch.sum(x * x, dim=-1, keepdim=True)
    y_square = torch.sum(y * y, dim=-1, keepdim=True).transpose(2, 1)
    return x_square + inner + y_square


def test_knn_ranking_does_not_depend_on_the_blas_summation_order(monkeypatch):
    x, y = _near_tied_nodes()
    bias = 1e-6 * torch.randn(1, x.shape[2], y.shape[2], generator=torch.Generator().manual_seed(2))
    settled = xy_dense_knn_matrix(x, y, k=8, relative_pos=bias)
    monkeypatch.setattr(vig, 'xy_pairwise_distance', _permuted_order_distance)
    assert torch.equal(xy_dense_knn_matrix(x, y, k=8, relative_pos=bias), settled)
    # Without settling, the other order ranks these near ties differently: the check above
    # is not vacuous.
    monkeypatch.setattr(vig, '_settle_near_ties', lambda dist, *args: dist)
    assert not torch.equal(xy_dense_knn_matrix(x, y, k=8, relative_pos=bias), settled)


def test_ordered_inner_sums_blocks_of_fused_steps():
    assert vig._inner_blocks(48) == [48]
    assert vig._inner_blocks(240) == [120, 120]
    assert vig._inner_blocks(400) == [192, 192, 16]
    x = torch.randn(50, 400, generator=torch.Generator().manual_seed(3))
    y = torch.randn(50, 400, generator=torch.Generator().manual_seed(4))
    exact = (x.double() * y.double()).sum(dim=-1)
    ordered = vig._ordered_inner(x, y)
    assert ordered.dtype == torch.float32
    bound = 400 * 2.0**-24 * (x.double() * y.double()).abs().sum(dim=-1)
    assert bool(((ordered.double() - exact).abs() <= bound).all())
    # One block of fused steps: each step rounds a*b + acc once.
    acc = torch.zeros(50)
    for k in range(120):
        acc = (x[:, k].double() * y[:, k].double() + acc.double()).float()
    assert torch.equal(vig._ordered_inner(x[:, :120], y[:, :120]), acc)
