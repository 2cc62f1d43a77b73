"""EdgeNeXt: stage layout (conv blocks then SDTA), channel attention, outputs, freezing."""
import pytest
import torch

from mmcls.models.backbones.convnext import ConvNeXtBlock
from mmcls.models.backbones.edgenext import (ChannelMultiheadAttention, EdgeNeXt,
                                             PositionEncodingFourier, SDTAEncoder)


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(channels=[8, 16, 24, 32], depths=[1, 2, 2, 1], num_heads=2)


def test_pooled_output_and_feature_maps():
    out, = EdgeNeXt(TINY).eval()(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 32)
    maps = EdgeNeXt(TINY, out_indices=(0, 1, 2, 3), gap_before_final_norm=False).eval()(
        torch.randn(1, 3, 64, 64))
    assert [tuple(m.shape) for m in maps] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 24, 4, 4),
                                              (1, 32, 2, 2)]


def test_last_block_of_stages_two_to_four_is_sdta():
    model = EdgeNeXt(TINY)
    assert isinstance(model.stages[0][0], ConvNeXtBlock)
    assert isinstance(model.stages[1][0], ConvNeXtBlock)
    assert isinstance(model.stages[1][1], SDTAEncoder)
    assert model.stages[1][1].pos_embed is not None and model.stages[2][1].pos_embed is None
    assert len(model.stages[3][0].conv_modules) == 3  # d2_scales 4 -> 3 split convs


def test_channel_attention_keeps_shape_and_uses_head_temperature():
    attn = ChannelMultiheadAttention(8, num_heads=2, qkv_bias=True)
    assert attn.scale.shape == (2, 1, 1)
    assert attn(torch.randn(2, 10, 8)).shape == (2, 10, 8)


def test_fourier_position_encoding_shape():
    pos = PositionEncodingFourier(in_channels=4, embed_dims=6)
    assert pos((2, 3, 5)).shape == (2, 6, 3, 5)


def test_frozen_stages_and_bad_options():
    model = EdgeNeXt(TINY, frozen_stages=1)
    model.train()
    assert not model.stages[0].training
    assert all(not p.requires_grad for p in model.downsample_layers[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    with pytest.raises(ValueError, match='global_block_type'):
        EdgeNeXt(TINY, global_block_type=('None', 'MHSA', 'SDTA', 'SDTA'))
    with pytest.raises(KeyError, match='arch'):
        EdgeNeXt('tiny')


def test_custom_arch_in_the_rc6_form_with_per_stage_heads():
    arch = dict(channels=[8, 16, 24, 32], depths=[1, 2, 2, 1], num_heads=[1, 2, 4, 8])
    model = EdgeNeXt(arch).eval()
    assert model.channels == [8, 16, 24, 32] and model.depths == [1, 2, 2, 1]
    assert model.num_heads == [1, 2, 4, 8] and model.num_layers == model.num_stages == 4
    assert model.arch_settings == arch and EdgeNeXt.arch_settings['small']['num_heads'] == [8] * 4
    assert [model.stages[i][-1].csa.num_heads for i in (1, 2, 3)] == [2, 4, 8]
    assert model(torch.randn(1, 3, 64, 64))[0].shape == (1, 32)
    assert EdgeNeXt(TINY).num_heads == [2, 2, 2, 2]  # one count for all stages
    with pytest.raises(ValueError, match='num_heads needs 4 entries'):
        EdgeNeXt(dict(arch, num_heads=[2, 2]))


def test_channel_attention_options_of_rc6():
    x = torch.randn(2, 10, 8)
    fixed = ChannelMultiheadAttention(8, num_heads=2, qk_scale_type='fixed')
    assert fixed.scale == 4**-0.5 and fixed(x).shape == (2, 10, 8)
    plain = ChannelMultiheadAttention(8, num_heads=2, qk_scale_type='none', qk_scale=1.0)
    assert 'scale' not in dict(plain.named_parameters()) and plain.scale == 1.0
    wider = ChannelMultiheadAttention(8, num_heads=1, input_dims=4, v_shortcut=True,
                                      proj_bias=False)
    assert wider.proj.bias is None and wider(torch.randn(2, 10, 4)).shape == (2, 10, 8)
    with pytest.raises(ValueError, match='qk_scale_type'):
        ChannelMultiheadAttention(8, qk_scale_type='learned')
    with pytest.raises(ValueError, match='needs a qk_scale'):
        ChannelMultiheadAttention(8, qk_scale_type='none')
    from mmcls.models.utils import ChannelMultiheadAttention as from_utils
    assert from_utils is ChannelMultiheadAttention


def test_sdta_encoder_norm_and_act_cfg():
    import torch.nn as nn
    block = SDTAEncoder(16, num_heads=2, norm_cfg=dict(type='LN', eps=1e-5),
                        act_cfg=dict(type='ReLU'), scales=2).eval()
    assert isinstance(block.act, nn.ReLU) and block.norm.eps == 1e-5
    assert block(torch.randn(1, 16, 4, 4)).shape == (1, 16, 4, 4)
