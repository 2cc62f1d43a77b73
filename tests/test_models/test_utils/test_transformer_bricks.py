"""Transformer bricks: attention against a direct formula, FFN/PatchEmbed/PatchMerging names and shapes."""
import pytest
import torch

from mmcls.models.utils.attention import MultiheadAttention
from mmcls.models.utils.embed import PatchEmbed, PatchMerging, resize_pos_embed
from mmcls.models.utils.ffn import FFN


def test_multihead_attention_matches_explicit_softmax():
    torch.manual_seed(0)
    attn = MultiheadAttention(8, 2).eval()
    x = torch.randn(2, 5, 8)
    q, k, v = attn.qkv(x).reshape(2, 5, 3, 2, 4).permute(2, 0, 3, 1, 4)
    weights = (q @ k.transpose(-2, -1) * 4**-0.5).softmax(-1)
    expected = attn.proj((weights @ v).transpose(1, 2).reshape(2, 5, 8))
    torch.testing.assert_close(attn(x), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match='divisible'):
        MultiheadAttention(10, 3)


def test_attention_layer_scale_and_v_shortcut_keys():
    attn = MultiheadAttention(8, 1, input_dims=6, use_layer_scale=True, v_shortcut=True)
    assert 'gamma1.weight' in attn.state_dict()
    assert attn(torch.randn(1, 3, 6)).shape == (1, 3, 8)


def test_ffn_keys_and_residual():
    ffn = FFN(8, 16, layer_scale_init_value=0.1)
    assert {'layers.0.0.weight', 'layers.1.weight', 'gamma2.weight'} <= set(ffn.state_dict())
    x = torch.randn(2, 3, 8)
    torch.testing.assert_close(ffn(x), x + ffn.gamma2(ffn.layers(x)))
    no_identity = FFN(8, 16, add_identity=False)
    torch.testing.assert_close(no_identity(x), no_identity.layers(x))


def test_patch_embed_corner_padding_and_out_size():
    embed = PatchEmbed(3, 16, kernel_size=4, stride=4, input_size=30, norm_cfg=dict(type='LN'))
    assert embed.init_out_size == (8, 8)
    tokens, size = embed(torch.randn(2, 3, 30, 30))
    assert size == (8, 8) and tokens.shape == (2, 64, 16)
    assert {'projection.weight', 'norm.weight'} <= set(embed.state_dict())


def test_patch_merging_halves_grid():
    merge = PatchMerging(4, 8)
    out, size = merge(torch.randn(2, 7 * 7, 4), (7, 7))
    assert size == (4, 4) and out.shape == (2, 16, 8)
    assert merge.norm.normalized_shape == (16, ) and merge.reduction.bias is None


def test_resize_pos_embed():
    pos = torch.randn(1, 1 + 4 * 4, 6)
    same = resize_pos_embed(pos, (4, 4), (4, 4))
    assert same is pos
    bigger = resize_pos_embed(pos, (4, 4), (8, 6))
    assert bigger.shape == (1, 1 + 48, 6) and torch.equal(bigger[:, :1], pos[:, :1])
    with pytest.raises(ValueError, match='tokens'):
        resize_pos_embed(pos, (3, 3), (4, 4))
