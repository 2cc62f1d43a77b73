"""DeiT III backbone: layer scale, patch-only position embedding, outputs and resizing."""
import pytest
import torch

from mmcls.models.backbones.deit3 import DeiT3

TINY = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)


def small(**kwargs) -> DeiT3:
    torch.manual_seed(0)
    return DeiT3(arch=TINY, img_size=32, patch_size=8, **kwargs)


def test_zoo_archs_and_state_dict_layout():
    assert DeiT3('m').embed_dims == 512 and DeiT3.arch_zoo['huge']['num_layers'] == 32
    keys = set(small().state_dict())
    assert {'pos_embed', 'cls_token', 'layers.0.attn.gamma1.weight',
            'layers.0.ffn.gamma2.weight', 'ln1.weight'} <= keys
    assert small().pos_embed.shape == (1, 16, 16)  # patches only, no class-token slot
    assert small().num_extra_tokens == 1
    with pytest.raises(KeyError, match='arch'):
        DeiT3('tiny')


def test_layer_scale_starts_at_its_init_value_and_can_be_disabled():
    model = small(layer_scale_init_value=1e-3)
    assert torch.allclose(model.layers[0].attn.gamma1.weight, torch.full((16, ), 1e-3))
    keys = set(small(use_layer_scale=False).state_dict())
    assert not any('gamma' in k for k in keys)


def test_outputs_patch_map_and_cls_token_and_other_sizes():
    model = small(out_indices=(0, 1)).eval()
    outs = model(torch.randn(2, 3, 32, 32))
    assert len(outs) == 2
    patch, cls = outs[-1]
    assert patch.shape == (2, 16, 4, 4) and cls.shape == (2, 16)
    patch, _ = model(torch.randn(1, 3, 48, 40))[-1]
    assert patch.shape == (1, 16, 6, 5)
    out, = small(output_cls_token=False, avg_token=True).eval()(torch.randn(1, 3, 32, 32))
    assert out.shape == (1, 16)


def test_cls_token_sits_after_the_position_embedding():
    model = small().eval()
    with torch.no_grad():
        model.cls_token.zero_()
        model.pos_embed.fill_(1.)
        tokens = []
        model.layers[0].register_forward_pre_hook(lambda m, a: tokens.append(a[0]))
        model(torch.zeros(1, 3, 32, 32))
    patch_bias = model.patch_embed.projection.bias
    assert torch.allclose(tokens[0][0, 0], torch.zeros(16))  # class token: no position added
    assert torch.allclose(tokens[0][0, 1], patch_bias + 1.)


def test_position_embedding_of_another_grid_is_resized_on_load():
    source = DeiT3(arch=TINY, img_size=48, patch_size=8)
    target = small()
    target.load_state_dict(source.state_dict())
    assert target.pos_embed.shape == (1, 16, 16)


def test_frozen_stages():
    model = small(frozen_stages=1)
    model.train()
    assert not model.pos_embed.requires_grad and not model.cls_token.requires_grad
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())


def test_deit3_layer_scale_blocks():
    from mmcls.models.backbones.deit3 import DeiT3FFN, DeiT3TransformerEncoderLayer
    ffn = DeiT3FFN(embed_dims=8, feedforward_channels=16)
    assert torch.allclose(ffn.gamma2.weight, torch.full((8, ), 1e-5))
    assert isinstance(DeiT3FFN(8, 16, use_layer_scale=False).gamma2, torch.nn.Identity)
    layer = DeiT3TransformerEncoderLayer(8, 2, 16)
    assert torch.allclose(layer.attn.gamma1.weight, torch.full((8, ), 1e-5))
    x = torch.randn(2, 5, 8)
    # with a tiny layer scale the layer is close to the identity
    assert torch.allclose(layer(x), x, atol=1e-3)
    plain = DeiT3TransformerEncoderLayer(8, 2, 16, use_layer_scale=False)
    assert isinstance(plain.ffn.gamma2, torch.nn.Identity)
    assert not torch.allclose(plain(x), x, atol=1e-3)
