"""Transformer bricks: attention against a direct formula, FFN/PatchEmbed/PatchMerging names and
shapes, and the token-layer stack helpers."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.utils.attention import MultiheadAttention
from mmcls.models.utils.attention_bias import BiasedAttention
from mmcls.models.utils.embed import PatchEmbed, PatchMerging, build_patch_embed, resize_pos_embed
from mmcls.models.utils.ffn import FFN
from mmcls.models.utils.token_layers import build_layers, run_layers, tokens_to_map


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


def test_build_patch_embed_is_non_overlapping_and_overridable():
    embed = build_patch_embed(3, 32, 16, 8, dict(), bias=False)
    assert embed.init_out_size == (4, 4) and embed.projection.bias is None
    assert tuple(embed.projection.kernel_size) == tuple(embed.projection.stride) == (8, 8)
    overlapping = build_patch_embed(3, 32, 16, 8, dict(stride=4, padding=2), bias=False)
    assert overlapping.init_out_size == (8, 8)


class ScaleLayer(nn.Module):
    """A layer that records its arguments and multiplies its input by ``scale``."""

    def __init__(self, dims: int, drop_path_rate: float, scale: float = 2.) -> None:
        super().__init__()
        self.dims, self.drop_path_rate, self.scale = dims, drop_path_rate, scale

    def forward(self, x: torch.Tensor, offset: float = 0.) -> torch.Tensor:
        return x * self.scale + offset


def test_build_layers_drop_path_rises_linearly_and_cfgs_override():
    layers = build_layers(ScaleLayer, 3, 0.2, dict(scale=3.), dims=4)
    assert [layer.drop_path_rate for layer in layers] == pytest.approx([0., 0.1, 0.2])
    assert [layer.scale for layer in layers] == [3.] * 3 and layers[0].dims == 4
    per_layer = build_layers(ScaleLayer, 2, 0., [dict(), dict(scale=5.)], dims=4)
    assert [layer.scale for layer in per_layer] == [2., 5.]


def test_run_layers_normalises_after_the_last_layer_and_formats_outputs():
    layers = build_layers(ScaleLayer, 3, 0., dict(), dims=1)
    x = torch.ones(1, 2, 1)
    final, outs = run_layers(layers, x, (0, 2), lambda t: t * 0, lambda t: t.sum().item(), 1.)
    assert outs == [6., 0.]  # layer 0: 1*2+1 = 3 per token; the last output is normalised
    assert torch.equal(final, torch.zeros(1, 2, 1))
    final, outs = run_layers(layers, x, (1, ), None, lambda t: t)
    assert torch.equal(final, torch.full((1, 2, 1), 8.)) and torch.equal(outs[0], x * 4)


def test_tokens_to_map_drops_the_extra_tokens():
    patches = torch.arange(2 * 6 * 3, dtype=torch.float32).reshape(2, 6, 3)
    tokens = torch.cat([torch.zeros(2, 1, 3), patches], dim=1)
    fmap = tokens_to_map(tokens, (2, 3), num_extra_tokens=1)
    assert fmap.shape == (2, 3, 2, 3)
    assert torch.equal(fmap[0, :, 1, 2], patches[0, 5])


def test_biased_attention_head_sizes_and_bias_index_persistence():
    attn = BiasedAttention(key_dim=4, num_heads=2, attn_ratio=2)
    assert (attn.scale, attn.d, attn.dh) == (0.5, 8, 16)
    attn._init_biases(2, 3, 3, 1)
    assert attn.attention_biases.shape == (2, 9)
    assert set(attn.state_dict()) == {'attention_biases', 'attention_bias_idxs'}
    hidden = BiasedAttention(key_dim=4, num_heads=2, attn_ratio=1)
    hidden._init_biases(2, 3, 3, 1, persistent=False)
    assert set(hidden.state_dict()) == {'attention_biases'}
    assert torch.equal(hidden.attention_bias_idxs, attn.attention_bias_idxs)
