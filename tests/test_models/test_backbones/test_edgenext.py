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
