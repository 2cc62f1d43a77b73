"""Vision GNN: isotropic and pyramid outputs, the kNN graph, graph conv types and freezing."""
import pytest
import torch

from mmcls.models.backbones.vig import (DenseDilatedKnnGraph, PyramidVig, Vig,
                                        batched_index_select, relative_pos_bias)
from mmcls.models.heads.vig_head import VigClsHead

TINY_VIG = dict(num_blocks=2, channels=16)
TINY_PVIG = dict(blocks=[1, 1, 1, 1], channels=[8, 16, 24, 32])


def test_isotropic_outputs_and_conv_types():
    for conv in ('mr', 'edge', 'sage', 'gin'):
        model = Vig(TINY_VIG, k=3, out_indices=(0, 1), graph_conv_type=conv).eval()
        outs = model(torch.randn(2, 3, 64, 64))  # 4x4 nodes; position embedding resized
        assert [tuple(o.shape) for o in outs] == [(2, 16, 4, 4), (2, 16, 4, 4)]
    with pytest.raises(ValueError, match='graph_conv_type'):
        Vig(TINY_VIG, graph_conv_type='gat')


def test_pyramid_outputs():
    model = PyramidVig(TINY_PVIG, k=3, out_indices=(0, 1, 2, 3), img_size=64).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 24, 4, 4),
                                              (1, 32, 2, 2)]
    grapher = model.stages[0][0][0]
    assert tuple(grapher.relative_pos.shape) == (1, 256, 16)  # keys pooled by 4
    assert not grapher.relative_pos.requires_grad


def test_knn_graph_and_gather():
    x = torch.tensor([[0., 1.], [0., 1.1], [1., 0.], [1., 0.1]]).t().reshape(1, 2, 4, 1)
    edge_index = DenseDilatedKnnGraph(k=2)(x)
    assert edge_index.shape == (2, 1, 4, 2)
    idx = edge_index[0]
    assert set(idx[0, 0].tolist()) == {0, 1} and set(idx[0, 2].tolist()) == {2, 3}
    assert edge_index[1, 0, :, 0].tolist() == [0, 1, 2, 3]  # the centre of each edge
    feats = batched_index_select(x, idx)
    assert feats.shape == (1, 2, 4, 2)
    assert torch.equal(feats[0, :, 2, 0], x[0, :, idx[0, 2, 0], 0])
    dilated = DenseDilatedKnnGraph(k=2, dilation=2)(x)
    assert dilated.shape == (2, 1, 4, 2)


def test_relative_pos_bias_favours_nearby_nodes():
    bias = relative_pos_bias(8, 16, 1)[0]
    assert bias.shape == (16, 16)
    assert bias[0, 0] < bias[0, 15]  # the node itself is "closer" than the far corner


def test_freezing_and_head():
    model = Vig(TINY_VIG, k=3, frozen_stages=1, norm_eval=True)
    model.train()
    assert not any(p.requires_grad for p in model.blocks[0].parameters())
    assert all(p.requires_grad for p in model.blocks[1].parameters())
    assert not model.pos_embed.requires_grad and not model.stem[1].training
    head = VigClsHead(num_classes=3, in_channels=16, hidden_dim=8).eval()
    assert head((torch.randn(2, 16), )).shape == (2, 3)


def test_rc6_drop_path_argument_name():
    model = Vig(TINY_VIG, k=3, drop_path=0.2)
    assert model.blocks[1][0].drop_path.drop_prob == pytest.approx(0.2)
    with pytest.raises(ValueError, match='not both'):
        PyramidVig(TINY_PVIG, drop_path_rate=0.1, drop_path=0.2)
