"""MixMIM: pooled output, window clipping, the mixed-token attention mask and other sizes."""
import pytest
import torch

from mmcls.models.backbones.mixmim import MixMIMTransformer, MixMIMWindowAttention

TINY = dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2])


def test_pooled_output_and_window_clipping():
    model = MixMIMTransformer(TINY, img_size=64, window_size=[4, 4, 4, 4]).eval()
    out, = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 64)
    # stage 3 works on a 2x2 map: its window shrinks to the map
    assert model.layers[3].blocks[0].window_size == 2
    assert not model.absolute_pos_embed.requires_grad


def test_other_input_size_resizes_the_position_embedding():
    model = MixMIMTransformer(TINY, img_size=64, window_size=[4, 4, 4, 4]).eval()
    out, = model(torch.randn(1, 3, 128, 128))
    assert out.shape == (1, 64)


def test_mask_keeps_attention_within_each_image():
    torch.manual_seed(0)
    attn = MixMIMWindowAttention(8, (2, 2), 2).eval()
    x = torch.randn(1, 4, 8)
    mask = torch.tensor([1., 1., 0., 0.]).view(1, 4, 1)
    out = attn(x, mask=mask)
    # changing the tokens of the second image does not change the first image's outputs
    x2 = x.clone()
    x2[:, 2:] = torch.randn(1, 2, 8)
    assert torch.allclose(attn(x2, mask=mask)[:, :2], out[:, :2], atol=1e-5)
    assert not torch.allclose(attn(x2)[:, :2], attn(x)[:, :2])


def test_arch_errors():
    assert MixMIMTransformer('b').embed_dims == 128
    with pytest.raises(ValueError, match='window_size'):
        MixMIMTransformer(TINY, img_size=64, window_size=[4, 4])


def test_how_to_use_snippet_shapes():
    """logits (1, 1000) and a pooled (1, 1024) feature from extract_feat."""
    import mmcls
    model = mmcls.get_model('mixmim-base_3rdparty_in1k')
    inputs = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        assert model(inputs).shape == (1, 1000)
        outs = model.extract_feat(inputs)
    assert outs[0].shape == (1, 1024)


def test_blocks_keep_their_heads_and_mlp_ratio():
    model = MixMIMTransformer(arch=TINY, img_size=64, window_size=[2, 2, 2, 2], mlp_ratio=2.)
    assert [layer.blocks[0].num_heads for layer in model.layers] == [1, 1, 2, 2]
    assert all(layer.blocks[0].mlp_ratio == 2. for layer in model.layers)
    assert model.layers[1].blocks[0].ffn.feedforward_channels == 32
