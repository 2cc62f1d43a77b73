"""MViT V2: multi-scale outputs, relative positions at other sizes, width placement, freezing."""
import pytest
import torch

from mmcls.models.backbones.mvit import MViT, resize_decomposed_rel_pos

TINY = dict(embed_dims=8, num_layers=4, num_heads=1, downscale_indices=[1, 2, 3])


def test_all_scales():
    model = MViT(TINY, img_size=64, out_scales=[0, 1, 2, 3]).eval()
    outs = model(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 8, 16, 16), (2, 16, 8, 8), (2, 32, 4, 4),
                                              (2, 64, 2, 2)]


def test_other_input_size_interpolates_relative_positions():
    model = MViT(TINY, img_size=64, use_abs_pos_embed=True).eval()
    out, = model(torch.randn(1, 3, 96, 96))
    assert out.shape == (1, 64, 3, 3)


def test_dim_mul_in_mlp_moves_the_projection():
    in_attn = MViT(TINY, img_size=64)
    in_mlp = MViT(TINY, img_size=64, dim_mul_in_attention=False)
    assert in_attn.blocks[1].proj is not None and in_attn.blocks[0].proj is None
    assert in_mlp.blocks[0].proj is not None  # width doubles before the downscale layer
    out, = in_mlp.eval()(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 64, 2, 2)


def test_resize_decomposed_rel_pos_shapes():
    table = torch.randn(7, 4)
    assert resize_decomposed_rel_pos(table, 4, 4).shape == (4, 4, 4)
    assert resize_decomposed_rel_pos(table, 8, 4).shape == (8, 4, 4)


def test_errors_and_freezing():
    with pytest.raises(ValueError, match='out_scales'):
        MViT(TINY, img_size=64, out_scales=4)
    with pytest.raises(TypeError, match='out_scales'):
        MViT(TINY, img_size=64, out_scales={1: 1})  # a dict is not a list of scales
    model = MViT(TINY, img_size=64, frozen_stages=2)
    model.train()
    assert not any(p.requires_grad for p in model.blocks[1].parameters())
    assert all(p.requires_grad for p in model.blocks[2].parameters())


def test_blocks_keep_their_input_and_output_widths():
    model = MViT(TINY, img_size=64)
    assert [(b.in_dims, b.out_dims) for b in model.blocks] == [(8, 8), (8, 16), (16, 32),
                                                              (32, 64)]
