"""ConvNeXt / ConvNeXt V2: arch options, outputs, freezing, GRN and layer scale."""
import pytest
import torch

from mmcls.models.backbones.convnext import ConvNeXt, ConvNeXtBlock
from mmcls.models.utils.grn import GRN


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


SMALL = dict(depths=[1, 1, 2, 1], channels=[8, 16, 24, 32])


def test_default_output_is_normalised_pooled_vector_of_last_stage():
    model = ConvNeXt(SMALL).eval()
    outs = model(torch.randn(2, 3, 64, 64))
    assert len(outs) == 1 and outs[0].shape == (2, 32)
    assert hasattr(model, 'norm3') and not hasattr(model, 'norm0')


def test_out_indices_and_feature_maps_without_gap():
    model = ConvNeXt(SMALL, out_indices=(0, 1, 2, 3), gap_before_final_norm=False).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 24, 4, 4),
                                              (1, 32, 2, 2)]
    with pytest.raises(ValueError, match='out of range'):
        ConvNeXt(SMALL, out_indices=4)


def test_arch_names_match_the_zoo_widths():
    assert ConvNeXt('atto').channels == [40, 80, 160, 320]
    assert ConvNeXt.arch_settings['tiny']['depths'] == [3, 3, 9, 3]
    with pytest.raises(KeyError, match='arch'):
        ConvNeXt('gigantic')
    with pytest.raises(ValueError, match='custom arch'):
        ConvNeXt(dict(depths=[1]))


def test_frozen_stages_stop_gradients_and_stay_in_eval():
    model = ConvNeXt(SMALL, frozen_stages=2)
    model.train()
    for i in range(2):
        assert not model.stages[i].training
        assert all(not p.requires_grad for p in model.downsample_layers[i].parameters())
        assert all(not p.requires_grad for p in model.stages[i].parameters())
    assert all(p.requires_grad for p in model.stages[2].parameters())


def test_v2_blocks_use_grn_and_no_layer_scale():
    model = ConvNeXt(SMALL, use_grn=True, layer_scale_init_value=0.)
    block = model.stages[0][0]
    assert isinstance(block.grn, GRN) and block.gamma is None
    keys = set(model.state_dict())
    assert 'stages.0.0.grn.gamma' in keys and 'stages.0.0.gamma' not in keys


def test_grn_is_identity_at_init_and_formats_agree():
    grn = GRN(6)
    x = torch.randn(2, 6, 5, 5)
    assert torch.equal(grn(x), x)
    with torch.no_grad():
        grn.gamma.uniform_(-1, 1)
        grn.beta.uniform_(-1, 1)
    first = grn(x)
    last = grn(x.permute(0, 2, 3, 1), data_format='channel_last').permute(0, 3, 1, 2)
    torch.testing.assert_close(first, last)
    with pytest.raises(ValueError, match='data_format'):
        grn(x, data_format='nchw')


def test_linear_and_conv_pointwise_blocks_compute_the_same():
    linear = ConvNeXtBlock(8, linear_pw_conv=True).eval()
    conv = ConvNeXtBlock(8, linear_pw_conv=False).eval()
    state = {k: v.reshape(conv.state_dict()[k].shape) for k, v in linear.state_dict().items()}
    conv.load_state_dict(state)
    x = torch.randn(1, 8, 6, 6)
    torch.testing.assert_close(linear(x), conv(x), rtol=1e-5, atol=1e-5)


def test_drop_path_and_checkpointing_train():
    model = ConvNeXt(SMALL, drop_path_rate=0.2, with_cp=True).train()
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    model(x)[0].sum().backward()
    assert x.grad is not None


def test_zoo_model_outputs_as_the_seed_prints():
    from mmcls import get_model
    model = get_model('convnext-tiny_32xb128_in1k').eval()
    inputs = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert model(inputs).shape == (1, 1000)
        assert model.extract_feat(inputs)[0].shape == (1, 768)
