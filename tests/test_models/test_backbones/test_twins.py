"""Twins PCPVT / SVT: pyramid outputs, layer types, window attention padding and freezing."""
import pytest
import torch

from mmcls.models.backbones.twins import (PCPVT, SVT, GlobalSubsampledAttention,
                                          LocallyGroupedSelfAttention)

PYRAMID = dict(patch_sizes=[4, 2, 2, 2], strides=[4, 2, 2, 2], sr_ratios=[4, 2, 1, 1])
PCPVT_TINY = dict(embed_dims=[8, 16, 16, 32], depths=[1, 1, 2, 1], num_heads=[1, 2, 2, 4],
                  mlp_ratios=[2, 2, 2, 2], **PYRAMID)
SVT_TINY = dict(PCPVT_TINY, window_sizes=[3, 3, 3, 3])


@pytest.mark.parametrize('cls, arch', [(PCPVT, PCPVT_TINY), (SVT, SVT_TINY)])
def test_all_stage_outputs_as_the_docs_print(cls, arch):
    model = cls(arch=arch, out_indices=(0, 1, 2, 3), norm_after_stage=True, qkv_bias=True)
    outs = model.eval()(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 8, 16, 16), (2, 16, 8, 8), (2, 16, 4, 4),
                                              (2, 32, 2, 2)]


def test_default_output_is_last_stage_and_named_archs_build():
    model = SVT(arch=SVT_TINY, norm_after_stage=[False, False, False, True]).eval()
    out, = model(torch.randn(1, 3, 48, 48))
    assert out.shape == (1, 32, 2, 2)
    assert PCPVT('small').embed_dims == [64, 128, 320, 512]
    assert SVT('large').embed_dims == [128, 256, 512, 1024]


def test_svt_alternates_window_and_global_attention():
    model = SVT(arch=SVT_TINY)
    kinds = [type(layer.attn) for layer in model.stages[2]]
    assert kinds == [LocallyGroupedSelfAttention, GlobalSubsampledAttention]
    assert all(isinstance(layer.attn, GlobalSubsampledAttention)
               for stage in PCPVT(arch=PCPVT_TINY).stages for layer in stage)


def test_window_attention_keeps_padded_windows_separate():
    torch.manual_seed(0)
    attn = LocallyGroupedSelfAttention(4, num_heads=1, qkv_bias=True, window_size=2).eval()
    x = torch.randn(1, 9, 4)  # a 3x3 grid: the last row/column are alone in padded windows
    out = attn(x, (3, 3))
    # The bottom-right token is the only real token of its window: it attends to itself.
    v = attn.qkv(x[:, 8])[..., 8:]
    torch.testing.assert_close(out[:, 8], attn.proj(v))
    # Changing a token of another window does not affect it.
    x2 = x.clone()
    x2[:, 0] += 1
    torch.testing.assert_close(attn(x2, (3, 3))[:, 8], out[:, 8])


def test_bad_arch_and_norm_after_stage_raise():
    with pytest.raises(ValueError, match='norm_after_stage'):
        PCPVT(arch=PCPVT_TINY, norm_after_stage=[True])
    with pytest.raises(TypeError, match='norm_after_stage'):
        PCPVT(arch=PCPVT_TINY, norm_after_stage=[False, 'True', False, True])
    with pytest.raises(ValueError, match='custom arch'):
        SVT(arch=PCPVT_TINY)  # no window_sizes
    with pytest.raises(ValueError, match='arch entry'):
        PCPVT(arch=dict(PCPVT_TINY, depths=[1, 1]))


def test_frozen_stages():
    model = PCPVT(arch=PCPVT_TINY, frozen_stages=2)
    model.train()
    for i in range(2):
        assert not any(p.requires_grad for p in model.stages[i].parameters())
        assert not any(p.requires_grad for p in model.patch_embeds[i].parameters())
        assert not model.stages[i].training
    assert all(p.requires_grad for p in model.stages[2].parameters())


def test_default_init_without_init_cfg():
    model = PCPVT(arch=PCPVT_TINY)
    model.init_weights()
    proj = model.patch_embeds[0].projection
    assert proj.bias.abs().sum().item() == 0.0
    ln = model.stages[0][0].norm1
    assert bool((ln.weight == 1).all()) and bool((ln.bias == 0).all())
    linear = model.stages[0][0].attn.q
    assert linear.weight.std().item() == pytest.approx(0.02, rel=0.3)


def test_arch_entries_and_stochastic_depth_are_attributes():
    model = SVT(arch=SVT_TINY, drop_path_rate=0.3)
    assert model.num_stage == model.num_stages == 4
    for key, value in SVT_TINY.items():
        assert getattr(model, key) == value
    assert model.dpr == pytest.approx([0.3 * i / 4 for i in range(5)])  # one per layer
    assert not hasattr(PCPVT(arch=PCPVT_TINY), 'window_sizes')
