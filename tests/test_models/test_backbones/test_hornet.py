"""HorNet: arch options, gnConv orders, global-local filter, outputs and freezing."""
import pytest
import torch

from mmcls.models.backbones.hornet import GlobalLocalFilter, HorNet, gnConv


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


DW = dict(type='DW', kernel_size=7)
TINY = dict(base_dim=8, depths=[1, 1, 1, 1], orders=[2, 3, 2, 2],
            dw_cfg=[DW, DW, dict(type='GF', h=4, w=3), dict(type='GF', h=2, w=2)])


def test_pooled_output_and_feature_maps():
    model = HorNet(TINY).eval()
    out, = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 64)
    maps = HorNet(TINY, out_indices=(0, 3), gap_before_final_norm=False).eval()(
        torch.randn(1, 3, 64, 64))
    assert [tuple(m.shape) for m in maps] == [(1, 8, 16, 16), (1, 64, 2, 2)]


def test_zoo_archs_and_aliases():
    settings = HorNet.arch_zoo
    assert settings['t'] == settings['tiny'] and settings['tiny']['base_dim'] == 64
    assert settings['tiny-gf']['dw_cfg'][2] == dict(type='GF', h=14, w=8)
    assert HorNet('s-gf', out_indices=(0, )).arch_settings['base_dim'] == 96
    with pytest.raises(KeyError, match='arch'):
        HorNet('huge')


def test_gnconv_gate_widths_and_bad_type():
    conv = gnConv(16, order=3)
    assert conv.dims == [4, 8, 16] and len(conv.projs) == 2
    assert conv(torch.randn(1, 16, 6, 6)).shape == (1, 16, 6, 6)
    with pytest.raises(ValueError, match='dw_cfg'):
        gnConv(16, dw_cfg=dict(type='SK'))


def test_global_filter_resizes_its_weight_for_other_inputs():
    gf = GlobalLocalFilter(8, h=4, w=3).eval()
    assert gf(torch.randn(1, 8, 4, 4)).shape == (1, 8, 4, 4)
    assert gf(torch.randn(1, 8, 10, 6)).shape == (1, 8, 10, 6)


def test_frozen_stages_and_drop_path_training():
    model = HorNet(TINY, frozen_stages=2, drop_path_rate=0.1)
    model.train()
    assert not model.stages[1].training
    assert all(not p.requires_grad for p in model.downsample_layers[1].parameters())
    assert all(p.requires_grad for p in model.stages[2].parameters())
    x = torch.randn(2, 3, 32, 32)
    model(x)[0].sum().backward()
    assert model.stages[3][0].pwconv1.weight.grad is not None
