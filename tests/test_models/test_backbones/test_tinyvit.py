"""TinyViT: pooled / map outputs, window padding, the cached attention bias and freezing."""
import pytest
import torch

from mmcls.models.backbones.tinyvit import LeAttention, TinyViT
from mmcls.models.utils.attention_bias import BiasedAttention

TINY = dict(channels=[8, 16, 16, 32], num_heads=[1, 2, 2, 4], depths=[1, 1, 2, 1])


def test_default_output_is_the_normalised_mean_token():
    model = TinyViT(arch=TINY, out_indices=(3, )).eval()
    out, = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 32)
    assert set(k for k in model.state_dict() if k.startswith('norm')) == {'norm3.weight',
                                                                            'norm3.bias'}


def test_feature_maps_of_every_stage_without_pooling():
    model = TinyViT(arch=TINY, out_indices=(0, 1, 2, 3), gap_before_final_norm=False).eval()
    outs = model(torch.randn(1, 3, 64, 96))
    # Stages 0-2 end with a stride-2 patch merging into the next stage's width.
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 12), (1, 16, 4, 6), (1, 32, 2, 3),
                                              (1, 32, 2, 3)]


def test_named_archs():
    assert TinyViT('21m').channels == [96, 192, 384, 576]
    with pytest.raises(KeyError, match='arch'):
        TinyViT('1m')
    with pytest.raises(ValueError, match='window_size'):
        TinyViT(arch=TINY, window_size=[7, 7])


def test_attention_bias_index_counts_each_offset_once():
    attn = LeAttention(8, key_dim=4, num_heads=2, attn_ratio=1, resolution=(3, 3))
    idxs = attn.attention_bias_idxs
    assert attn.attention_biases.shape == (2, 9)
    assert idxs.shape == (9, 9) and int(idxs.max()) == 8
    assert torch.equal(idxs, idxs.T) and bool((idxs.diagonal() == 0).all())
    assert int(idxs[0, 5]) == 1 * 3 + 2  # (0,0) -> (1,2): |dy|=1, |dx|=2


def test_attention_reuses_the_shared_biased_attention_setup():
    attn = LeAttention(8, key_dim=4, num_heads=2, attn_ratio=2, resolution=(3, 3))
    assert isinstance(attn, BiasedAttention)
    assert (attn.d, attn.dh, attn.qkv.out_features) == (8, 16, 16 + 2 * 4 * 2)
    # TinyViT checkpoints hold the biases but not their index table
    assert 'attention_bias_idxs' not in attn.state_dict()
    with pytest.raises(ValueError, match='square'):
        LeAttention(8, key_dim=4, resolution=(3, 4))


def test_eval_bias_cache_is_refreshed_when_weights_are_loaded():
    torch.manual_seed(0)
    a = TinyViT(arch=TINY).eval()
    b = TinyViT(arch=TINY).eval()
    with torch.no_grad():
        for p in b.parameters():
            p.add_(0.05 * torch.randn_like(p))
    b.train().eval()
    x = torch.randn(1, 3, 64, 64)
    a.load_state_dict(b.state_dict())
    torch.testing.assert_close(a(x)[0], b(x)[0])
    a.train()
    assert all(m.ab is None for m in a.modules() if isinstance(m, LeAttention))


def test_frozen_stages():
    model = TinyViT(arch=TINY, frozen_stages=2)
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.stages[1].parameters())
    assert not model.stages[1].training
    assert all(p.requires_grad for p in model.stages[2].parameters())
