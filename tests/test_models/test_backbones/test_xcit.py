"""XCiT: output types, out_indices, arch overrides, freezing and cross-covariance attention."""
import pytest
import torch

from mmcls.models.backbones.xcit import XCA, XCiT

TINY = dict(embed_dims=32, depth=2, num_heads=4, layer_scale_init_value=1.0, tokens_norm=False)


def test_cls_token_output_as_the_zoo_configs_use_it():
    model = XCiT(arch=TINY, patch_size=16).eval()
    out, = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 32)


def test_featmap_outputs_of_xca_and_class_attention_layers():
    model = XCiT(arch=TINY, patch_size=8, out_type='featmap', out_indices=(0, 1, 3)).eval()
    outs = model(torch.randn(1, 3, 32, 48))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 4, 6)] * 3
    avg = XCiT(arch=TINY, patch_size=8, out_type='avg_featmap', out_indices=-1).eval()
    assert avg(torch.randn(1, 3, 32, 32))[0].shape == (1, 32)
    raw = XCiT(arch=TINY, patch_size=16, out_type='raw').eval()
    assert raw(torch.randn(1, 3, 32, 32))[0].shape == (1, 1 + 4, 32)


def test_invalid_options_raise_clear_errors():
    with pytest.raises(ValueError, match='class-attention layers'):
        XCiT(arch=TINY, out_indices=0)
    with pytest.raises(ValueError, match='patch_size must be 8 or 16'):
        XCiT(arch=TINY, patch_size=4)
    with pytest.raises(ValueError, match='out_type'):
        XCiT(arch=TINY, out_type='tokens')
    with pytest.raises(KeyError, match='arch'):
        XCiT(arch='huge-48')


def test_named_archs_and_keyword_overrides():
    model = XCiT(arch='tiny-24', depth=1, cls_attn_layers=1)
    assert model.embed_dims == 192 and len(model.xca_layers) == 1
    assert model.arch_settings['tokens_norm'] is True
    assert model.xca_layers[0].gamma1[0].item() == pytest.approx(1e-5)
    nano = XCiT(arch='nano-12', depth=1)
    assert nano.arch_settings['tokens_norm'] is False and nano.embed_dims == 128


def test_tokens_norm_normalises_patch_tokens_in_class_attention():
    torch.manual_seed(0)
    plain = XCiT(arch=TINY, out_type='raw', final_norm=False).eval()
    normed = XCiT(arch=dict(TINY, tokens_norm=True), out_type='raw', final_norm=False).eval()
    normed.load_state_dict(plain.state_dict())
    x = torch.randn(1, 3, 32, 32)
    out_plain, out_normed = plain(x)[0], normed(x)[0]
    assert not torch.allclose(out_plain[:, 1:], out_normed[:, 1:])
    # With tokens_norm the last block adds the normalised patch tokens to themselves (the
    # official residual), so they leave with twice unit (biased) standard deviation.
    std = out_normed[:, 1:].std(dim=-1, unbiased=False)
    assert torch.allclose(std, torch.full_like(std, 2.0), atol=1e-3)


def test_xca_is_equivariant_to_token_permutations():
    torch.manual_seed(0)
    attn = XCA(16, num_heads=2, qkv_bias=True).eval()
    x = torch.randn(2, 10, 16)
    perm = torch.randperm(10)
    torch.testing.assert_close(attn(x)[:, perm], attn(x[:, perm]))


def test_frozen_stages_freeze_embeddings_then_layers():
    model = XCiT(arch=TINY, frozen_stages=3)
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.xca_layers.parameters())
    assert not any(p.requires_grad for p in model.ca_layers[0].parameters())
    assert all(p.requires_grad for p in model.ca_layers[1].parameters())
    assert not model.cls_token.requires_grad and not model.patch_embed.training
    assert model.norm.weight.requires_grad


def test_class_attention_keeps_the_rc6_misspelt_name():
    from mmcls.models.backbones.xcit import ClassAttention, ClassAttntion
    assert ClassAttntion is ClassAttention
    attn = ClassAttntion(16, num_heads=2).eval()
    assert attn(torch.randn(2, 5, 16)).shape == (2, 1, 16)


def test_xca_is_the_shared_channel_attention_with_a_temperature():
    from mmcls.models.utils.attention import ChannelMultiheadAttention
    attn = XCA(16, num_heads=2)
    assert isinstance(attn, ChannelMultiheadAttention)
    assert [k for k in attn.state_dict() if 'temperature' in k or 'scale' in k] == ['temperature']
