"""BEiT backbone (BEiT, BEiT v2, EVA): relative position bias, layer scale, outputs, loading."""
import pytest
import torch

from mmcls.models.backbones.beit import BEiT, BEiTAttention, beit_relative_position_index

TINY = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)


def small(**kwargs) -> BEiT:
    torch.manual_seed(0)
    kwargs.setdefault('img_size', 32)
    return BEiT(arch=TINY, patch_size=8, **kwargs)


def test_beit_state_dict_layout():
    keys = set(small().state_dict())
    assert {'cls_token', 'layers.0.gamma_1', 'layers.0.gamma_2', 'layers.0.attn.q_bias',
            'layers.0.attn.v_bias', 'layers.0.attn.relative_position_bias_table',
            'layers.0.attn.relative_position_index', 'ln2.weight'} <= keys
    assert not {'pos_embed', 'ln1.weight', 'layers.0.attn.qkv.bias'} & keys
    table = small().layers[0].attn.relative_position_bias_table
    assert table.shape == (7 * 7 + 3, 2)


def test_eva_style_options():
    model = small(use_abs_pos_emb=True, use_rel_pos_bias=False, layer_scale_init_value=0.,
                  layer_cfgs=dict(bias=True))
    keys = set(model.state_dict())
    assert {'pos_embed', 'layers.0.attn.qkv.bias'} <= keys
    assert not any('gamma' in k or 'relative' in k or 'q_bias' in k for k in keys)
    out, = model.eval()(torch.randn(1, 3, 48, 40))  # the absolute embedding is interpolated
    assert out.shape == (1, 16)
    with pytest.raises(ValueError, match='bias'):
        BEiTAttention(8, 2, None, False, bias='k_bias')


def test_relative_position_index_gives_class_token_its_own_entries():
    index = beit_relative_position_index((2, 2))
    assert index.shape == (5, 5)
    assert index[0, 0] == 11 and index[0, 1] == 9 and index[1, 0] == 10
    assert index[1:, 1:].max() == 8 and index[1, 1] == index[4, 4] == 4


def test_outputs_avg_token_or_patch_map_and_cls_token():
    out, = small().eval()(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 16)
    model = small(avg_token=False, output_cls_token=True, final_norm=True, out_indices=(0, 1))
    outs = model.eval()(torch.randn(2, 3, 32, 32))
    assert len(outs) == 2
    patch, cls = outs[1]
    assert patch.shape == (2, 16, 4, 4) and cls.shape == (2, 16)
    with pytest.raises(ValueError, match='relative position bias'):
        small().eval()(torch.randn(1, 3, 40, 40))


def test_shared_relative_position_bias():
    model = small(use_rel_pos_bias=False, use_shared_rel_pos_bias=True)
    assert model.rel_pos_bias().shape == (2, 17, 17)
    assert 'rel_pos_bias.relative_position_bias_table' in model.state_dict()
    out, = model.eval()(torch.randn(1, 3, 32, 32))
    assert out.shape == (1, 16)
    with pytest.raises(ValueError, match='both'):
        small(use_shared_rel_pos_bias=True)


def test_checkpoint_of_another_grid_is_resized_on_load():
    source = small(img_size=48)
    with torch.no_grad():
        source.layers[0].attn.relative_position_bias_table.fill_(2.)
    target = small()
    target.load_state_dict(source.state_dict())
    table = target.layers[0].attn.relative_position_bias_table
    assert table.shape == (52, 2) and torch.allclose(table, torch.full_like(table, 2.))
    assert torch.equal(target.layers[0].attn.relative_position_index,
                       beit_relative_position_index((4, 4)))


def test_frozen_stages():
    model = small(frozen_stages=1, use_abs_pos_emb=True)
    model.train()
    assert not model.pos_embed.requires_grad
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())


def test_relative_position_bias_without_cls_token():
    from mmcls.models.backbones.beit import RelativePositionBias
    with_cls = RelativePositionBias((3, 4), num_heads=2)
    assert with_cls().shape == (2, 13, 13)
    patches = RelativePositionBias((3, 4), num_heads=2, with_cls_token=False)
    assert patches.relative_position_bias_table.shape == (5 * 7, 2)
    with torch.no_grad():
        patches.relative_position_bias_table.copy_(with_cls.relative_position_bias_table[:-3])
        with_cls.relative_position_bias_table.normal_()
        patches.relative_position_bias_table.copy_(with_cls.relative_position_bias_table[:-3])
    # The patch-to-patch part of the class-token bias is the bias without class token.
    assert torch.equal(patches(), with_cls()[:, 1:, 1:])


def test_stochastic_depth_of_the_ffn_branch_is_the_ffns_dropout_layer_applied_once():
    model = small(drop_path_rate=0.3)
    probs = [layer.ffn.dropout_layer.drop_prob for layer in model.layers]
    assert probs == pytest.approx([0., 0.3])
    layer = small(drop_path_rate=0.5).layers[1]

    class NoAttention(torch.nn.Module):

        def forward(self, x, rel_pos_bias=None):
            return torch.zeros_like(x)

    layer.attn = NoAttention()
    torch.manual_seed(1)
    x = torch.randn(64, 5, 16)
    kept = layer.gamma_2 * layer.ffn.eval()(layer.ln2(x))
    branch = layer.train()(x) - x
    # each sample keeps its FFN branch scaled by 1 / keep_prob = 2, or drops it
    ratio = (branch / kept).mean(dim=(1, 2))
    assert torch.allclose(branch, kept * ratio[:, None, None], atol=1e-5)
    assert set(ratio.round().tolist()) == {0., 2.}
