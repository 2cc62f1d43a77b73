"""Window attention bricks of Swin V1/V2: geometry, masking and resizing."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmcls.models.utils.embed import PatchMerging
from mmcls.models.utils.window_attention import (ShiftWindowMSA, WindowMSA, WindowMSAV2,
                                                 relative_position_index,
                                                 resize_relative_position_bias_table)


def test_relative_position_index_matches_mmcls_double_step_layout():
    height, width = 3, 4
    # MMClassification builds it as seq + seq.T flipped, with seq[i*W+j] = (2W-1)*i + j
    seq = (2 * width - 1) * torch.arange(height)[:, None] + torch.arange(width)[None]
    seq = seq.reshape(1, -1)
    expected = (seq + seq.T).flip(1)
    assert torch.equal(relative_position_index((height, width)), expected)


def test_window_msa_equals_plain_attention_with_bias():
    torch.manual_seed(0)
    msa = WindowMSA(embed_dims=8, num_heads=2, window_size=2).eval()
    torch.nn.init.normal_(msa.relative_position_bias_table)
    x = torch.randn(3, 4, 8)
    q, k, v = msa.qkv(x).reshape(3, 4, 3, 2, 4).permute(2, 0, 3, 1, 4)
    attn = (q * msa.scale) @ k.transpose(-2, -1) + msa.relative_position_bias().unsqueeze(0)
    expected = msa.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(3, 4, 8))
    assert torch.allclose(msa(x), expected, atol=1e-5)


def test_shifted_windows_do_not_mix_tokens_across_the_wrapped_border():
    torch.manual_seed(0)
    attn = ShiftWindowMSA(embed_dims=4, num_heads=1, window_size=4, shift_size=2).eval()
    x = torch.randn(1, 8 * 8, 4)
    out = attn(x, (8, 8))
    changed = x.clone().view(1, 8, 8, 4)
    changed[0, 7, 7] += 10.  # bottom-right corner, wrapped next to the top-left by the shift
    out_changed = attn(changed.view(1, 64, 4), (8, 8)).view(1, 8, 8, 4)
    # the top-left token shares a shifted window with the corner only across the wrap: masked
    assert torch.allclose(out.view(1, 8, 8, 4)[0, 0, 0], out_changed[0, 0, 0], atol=1e-5)
    assert not torch.allclose(out.view(1, 8, 8, 4)[0, 6, 6], out_changed[0, 6, 6])
    mask = ShiftWindowMSA.attn_mask((8, 8), 4, 2)
    assert mask.shape == (4, 16, 16) and set(mask.unique().tolist()) == {-100., 0.}


def test_forward_builds_its_mask_through_get_attn_mask_so_subclasses_can_replace_it():
    calls = []

    class NoMask(ShiftWindowMSA):

        def get_attn_mask(self, hw_shape, window_size, shift_size, device=None):
            calls.append((hw_shape, window_size, shift_size))
            return None

    torch.manual_seed(0)
    shifted = ShiftWindowMSA(embed_dims=4, num_heads=1, window_size=4, shift_size=2).eval()
    unmasked = NoMask(embed_dims=4, num_heads=1, window_size=4, shift_size=2).eval()
    unmasked.load_state_dict(shifted.state_dict())
    x = torch.randn(1, 6 * 7, 4)
    out = unmasked(x, (6, 7))
    assert calls == [((8, 8), 4, 2)]  # the padded map, the window and the shift
    assert not torch.allclose(out, shifted(x, (6, 7)))


def test_small_maps_need_pad_small_map_and_odd_sizes_are_padded():
    attn = ShiftWindowMSA(embed_dims=4, num_heads=1, window_size=4, shift_size=2)
    with pytest.raises(ValueError, match='pad_small_map'):
        attn(torch.randn(1, 9, 4), (3, 3))
    padded = ShiftWindowMSA(embed_dims=4, num_heads=1, window_size=4, shift_size=2,
                            pad_small_map=True)
    assert padded(torch.randn(2, 9, 4), (3, 3)).shape == (2, 9, 4)
    assert attn(torch.randn(2, 30, 4), (5, 6)).shape == (2, 30, 4)


def test_window_msa_v2_coords_table_and_cosine_attention():
    msa = WindowMSAV2(embed_dims=8, num_heads=2, window_size=3).eval()
    table = msa.relative_coords_table
    assert table.shape == (1, 5, 5, 2)
    # the farthest offset maps to 8, then to log2(8 + 1) / log2(8)
    assert torch.allclose(table.abs().max(), torch.tensor(math.log2(9) / 3))
    pretrained = WindowMSAV2(embed_dims=8, num_heads=2, window_size=3, pretrained_window_size=5)
    assert pretrained.relative_coords_table.abs().max() < table.abs().max()
    x = torch.randn(2, 9, 8)
    q_bias = torch.cat((msa.q_bias, torch.zeros(8), msa.v_bias))
    q, k, v = F.linear(x, msa.qkv.weight, q_bias).reshape(2, 9, 3, 2, 4).permute(2, 0, 3, 1, 4)
    attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
    attn = attn * msa.logit_scale.exp() + msa.relative_position_bias().unsqueeze(0)
    expected = msa.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(2, 9, 8))
    assert torch.allclose(msa(x), expected, atol=1e-5)


def test_resize_relative_position_bias_table_keeps_constant_tables():
    table = torch.full((9, 2), 3.0)
    resized = resize_relative_position_bias_table(3, 5, table, 2)
    assert resized.shape == (25, 2) and torch.allclose(resized, torch.full((25, 2), 3.0))
    with pytest.raises(ValueError, match='does not match'):
        resize_relative_position_bias_table(4, 5, table, 2)


def test_post_norm_patch_merging_normalises_the_reduced_tokens():
    merge = PatchMerging(in_channels=4, out_channels=8, use_post_norm=True)
    assert merge.norm.normalized_shape == (8, )
    out, size = merge(torch.randn(2, 16, 4), (4, 4))
    assert size == (2, 2) and out.shape == (2, 4, 8)
    assert torch.allclose(out.mean(-1), torch.zeros(2, 4), atol=1e-5)
    assert list(merge.state_dict())[:1] == ['reduction.weight']


def test_window_msa_rc6_positional_order_and_double_step_seq():
    msa = WindowMSA(8, (2, 3), 2)
    assert msa.window_size == (2, 3) and msa.num_heads == 2
    assert WindowMSAV2(8, 2, 4).num_heads == 4
    seq = WindowMSA.double_step_seq(5, 2, 1, 3)
    assert seq.tolist() == [[0, 1, 2, 5, 6, 7]]
