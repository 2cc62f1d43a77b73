"""rc6's brick names in mmcls.models.utils: is_tracing, HybridEmbed, ShiftWindowMSA and
LayerNorm2d as registered MODELS, and the attention blocks kept at their old import path."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.utils import HybridEmbed, is_tracing
from mmcls.models.utils.attention import ShiftWindowMSA, WindowMSAV2
from mmcls.models.utils.norm import LayerNorm2d
from mmcls.registry import MODELS


class _TracingProbe(nn.Module):
    def forward(self, x):
        return x + 1 if is_tracing() else x - 1


def test_is_tracing_under_jit_fx_and_eager():
    probe, x = _TracingProbe(), torch.zeros(1)
    assert not is_tracing() and probe(x).item() == -1
    assert torch.jit.trace(probe, x, check_trace=False)(x).item() == 1
    assert torch.fx.symbolic_trace(probe)(x).item() == 1


def test_shift_window_msa_is_registered_with_rc6_arguments():
    cfg = dict(type='ShiftWindowMSA', embed_dims=8, num_heads=2, window_size=4, shift_size=2,
               dropout_layer=dict(type='DropPath', drop_prob=0.), pad_small_map=False,
               window_msa=WindowMSAV2, pretrained_window_size=2, init_cfg=None)
    attn = MODELS.build(cfg)
    assert isinstance(attn, ShiftWindowMSA) and isinstance(attn.w_msa, WindowMSAV2)
    out = attn(torch.randn(2, 64, 8), (8, 8))
    assert out.shape == (2, 64, 8)
    mask = ShiftWindowMSA.get_attn_mask((8, 8), window_size=4, shift_size=2)
    assert mask.shape == (4, 16, 16) and mask.min() == -100
    with pytest.raises(ValueError, match='shift_size'):
        ShiftWindowMSA(8, 2, window_size=4, shift_size=4)


def test_layer_norm_2d_under_both_registered_names():
    assert MODELS.get('LayerNorm2d') is LayerNorm2d is MODELS.get('LN2d')
    norm = MODELS.build(dict(type='LayerNorm2d', num_channels=3))
    out = norm(torch.randn(2, 3, 4, 4) * 5 + 2)
    assert torch.allclose(out.mean(1), torch.zeros(2, 4, 4), atol=1e-5)


class _TinyCNN(nn.Module):
    num_features = 6

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, stride=4, padding=1)

    def forward(self, x):
        return (self.conv(x), )


def test_hybrid_embed_probes_or_reads_the_feature_map():
    cnn = _TinyCNN().train()
    embed = HybridEmbed(cnn, img_size=32, embed_dims=10)
    assert embed.num_patches == 64 and cnn.training  # probed in eval mode, mode restored
    assert embed(torch.randn(2, 3, 32, 32)).shape == (2, 64, 10)
    declared = HybridEmbed(_TinyCNN(), img_size=32, feature_size=8, embed_dims=10)
    assert declared.projection.in_channels == 6 and declared.num_patches == 64
    with pytest.raises(TypeError, match='backbone must be an nn.Module'):
        HybridEmbed(lambda x: x)
    with pytest.raises(ValueError, match='feature_info'):
        HybridEmbed(nn.Identity(), feature_size=4)


def test_attention_blocks_resolve_from_their_rc6_path():
    from mmcls.models.backbones.beit import BEiTAttention
    from mmcls.models.backbones.edgenext import PositionEncodingFourier
    from mmcls.models.utils import attention, position_encoding
    assert attention.BEiTAttention is BEiTAttention
    assert position_encoding.PositionEncodingFourier is PositionEncodingFourier
    with pytest.raises(AttributeError, match='no attribute'):
        attention.NotAnAttention
