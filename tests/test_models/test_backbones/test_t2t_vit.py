"""T2T-ViT: token-to-token stem, outputs, the sinusoid table and position resizing."""
import pytest
import torch

from mmcls.models.backbones.t2t_vit import T2T_ViT, T2TModule, get_sinusoid_encoding

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def test_outputs_patch_map_and_class_token():
    model = T2T_ViT(arch=TINY, img_size=64, t2t_cfg=dict(token_dims=8)).eval()
    (patch, cls), = model(torch.randn(2, 3, 64, 64))
    assert patch.shape == (2, 32, 4, 4) and cls.shape == (2, 32)
    only = T2T_ViT(arch=TINY, img_size=64, t2t_cfg=dict(token_dims=8), out_indices=(0, 1),
                   output_cls_token=False).eval()
    assert [tuple(o.shape) for o in only(torch.randn(1, 3, 64, 64))] == [(1, 32, 4, 4)] * 2


def test_t2t_module_reduces_by_16():
    module = T2TModule(img_size=64, embed_dims=16, token_dims=8)
    tokens, hw = module(torch.randn(1, 3, 64, 96))
    assert hw == (4, 6) and tokens.shape == (1, 24, 16)
    assert module.attention1.v_shortcut and module.attention1.ln1.normalized_shape == (147, )


def test_sinusoid_table():
    table = get_sinusoid_encoding(5, 6)
    assert table.shape == (1, 5, 6)
    torch.testing.assert_close(table[0, 0], torch.tensor([0., 1., 0., 1., 0., 1.]))
    torch.testing.assert_close(table[0, 3, 0], torch.sin(torch.tensor(3.)))


def test_other_input_sizes_and_checkpoint_resizing():
    small = T2T_ViT(arch=TINY, img_size=64, t2t_cfg=dict(token_dims=8)).eval()
    (patch, _), = small(torch.randn(1, 3, 96, 80))
    assert patch.shape == (1, 32, 6, 5)
    big = T2T_ViT(arch=TINY, img_size=128, t2t_cfg=dict(token_dims=8))
    big.load_state_dict(small.state_dict())
    assert big.pos_embed.shape == (1, 65, 32)


def test_named_archs_layer_cfgs_and_errors():
    model = T2T_ViT('t-19', num_layers=1)
    assert model.embed_dims == 448 and model.encoder[0].attn.num_heads == 7
    custom = T2T_ViT(arch=TINY, layer_cfgs=dict(num_heads=4))
    assert custom.encoder[1].attn.num_heads == 4
    with pytest.raises(ValueError, match='with_cls_token'):
        T2T_ViT(arch=TINY, with_cls_token=False)
    with pytest.raises(ValueError, match='layer_cfgs'):
        T2T_ViT(arch=TINY, layer_cfgs=[dict()])


def test_frozen_stages():
    model = T2T_ViT(arch=TINY, img_size=64, frozen_stages=1)
    model.train()
    assert not any(p.requires_grad for p in model.tokens_to_token.parameters())
    assert not any(p.requires_grad for p in model.encoder[0].parameters())
    assert all(p.requires_grad for p in model.encoder[1].parameters())


def test_use_performer_false_only():
    module = T2TModule(64, 3, 16, 8, False)
    assert module.init_out_size == [4, 4]
    with pytest.raises(ValueError, match='use_performer=True'):
        T2TModule(img_size=64, embed_dims=16, token_dims=8, use_performer=True)
    model = T2T_ViT(arch=TINY, img_size=64, t2t_cfg=dict(token_dims=8, use_performer=False))
    assert model.tokens_to_token.embed_dims == TINY['embed_dims']
    with pytest.raises(ValueError, match='Performer'):
        T2T_ViT(arch=TINY, img_size=64, t2t_cfg=dict(token_dims=8, use_performer=True))
