"""TNT: class-token output, pixel embedding, attention bias options, sizes and freezing."""
import pytest
import torch

from mmcls.models.backbones.tnt import TNT

TINY = dict(embed_dims_outer=32, embed_dims_inner=8, num_layers=2, num_heads_outer=2,
            num_heads_inner=2)


def test_class_token_output():
    model = TNT(arch=TINY, img_size=32).eval()
    out, = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 32)
    both = TNT(arch=TINY, img_size=32, out_indices=(0, 1)).eval()
    assert [tuple(o.shape) for o in both(torch.randn(1, 3, 32, 32))] == [(1, 32)] * 2


def test_pixel_embedding_shapes_and_parameters():
    model = TNT(arch=TINY, img_size=32)
    assert model.pixel_pos.shape == (1, 8, 4, 4) and model.patch_pos.shape == (1, 5, 32)
    pixels, grid = model.pixel_embed(torch.randn(2, 3, 32, 32), model.pixel_pos)
    assert pixels.shape == (2 * 4, 16, 8) and grid == (2, 2)


def test_qkv_bias_option_keeps_output_projection_bias():
    keys = set(TNT(arch=TINY, img_size=32).state_dict())
    assert 'layers.0.inner_block.attn.attn.in_proj_bias' not in keys
    assert 'layers.0.inner_block.attn.attn.out_proj.bias' in keys
    keys = set(TNT(arch=TINY, img_size=32, qkv_bias=True).state_dict())
    assert 'layers.0.outer_block.attn.attn.in_proj_bias' in keys


def test_other_input_sizes():
    model = TNT(arch=TINY, img_size=32).eval()
    assert model(torch.randn(1, 3, 48, 64))[0].shape == (1, 32)
    with pytest.raises(ValueError, match='multiple of the patch size'):
        model(torch.randn(1, 3, 40, 40))
    assert TNT('small').embed_dims == 384


def test_frozen_stages():
    model = TNT(arch=TINY, img_size=32, frozen_stages=1)
    model.train()
    assert not model.pixel_pos.requires_grad and not model.patch_pos.requires_grad
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())
