"""EfficientFormer: pooling/attention stages, output layouts, freezing and the distilled head."""
import pytest
import torch

from mmcls.models.backbones.efficientformer import EfficientFormer, Flat, Meta3D
from mmcls.models.heads.efficientformer_head import EfficientFormerClsHead

TINY = dict(layers=[1, 1, 1, 2], embed_dims=[8, 16, 24, 32],
            downsamples=[False, True, True, True], vit_num=1)


def test_classification_layout_of_the_last_stage():
    model = EfficientFormer(TINY, resolution=2).eval()
    out, = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 32, 4)  # (B, C, N): tokens of the 2x2 map after attention
    assert isinstance(model.network[3][-1], Meta3D) and isinstance(model.network[3][-2], Flat)
    assert isinstance(model.norm3, torch.nn.LayerNorm)


def test_dense_outputs_with_reshape_last_feat():
    model = EfficientFormer(TINY, out_indices=(0, 1, 2, 3), reshape_last_feat=True,
                            resolution=2).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 24, 4, 4),
                                              (1, 32, 2, 2)]
    assert all(isinstance(getattr(model, f'norm{i}'), torch.nn.GroupNorm) for i in range(4))


def test_arch_validation():
    assert EfficientFormer('l3').vit_num == 4
    with pytest.raises(ValueError, match='vit_num'):
        EfficientFormer(dict(TINY, vit_num=3))
    with pytest.raises(KeyError, match='arch'):
        EfficientFormer('l2')


def test_frozen_stages():
    model = EfficientFormer(TINY, out_indices=(0, 3), frozen_stages=1, resolution=2)
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.network[0].parameters())
    assert not any(p.requires_grad for p in model.norm0.parameters())
    assert all(p.requires_grad for p in model.network[1].parameters())
    assert not model.network[0].training and model.network[1].training


def test_head_averages_the_two_classifiers():
    head = EfficientFormerClsHead(num_classes=4, in_channels=6)
    feats = (torch.randn(2, 6), )
    expected = (head.head(feats[0]) + head.dist_head(feats[0])) / 2
    assert torch.allclose(head(feats), expected)
    with pytest.raises(RuntimeError, match='teacher'):
        head.loss(feats, [])
    assert EfficientFormerClsHead(4, 6, distillation=False)(feats).shape == (2, 4)


def test_efficientformer_mlp_widths_default_to_the_input():
    import torch
    from mmcls.models.backbones.efficientformer import ConvMlp, LinearMlp
    conv = ConvMlp(8)
    assert conv.fc1.out_channels == 8 and conv.fc2.out_channels == 8
    assert conv(torch.rand(1, 8, 4, 4)).shape == (1, 8, 4, 4)
    linear = LinearMlp(8, hidden_features=16, out_features=4)
    assert linear(torch.rand(2, 5, 8)).shape == (2, 5, 4)


def test_basic_blocks_lays_out_a_stage():
    from mmcls.models.backbones.efficientformer import Meta4D, basic_blocks
    layers = [1, 1, 1, 3]
    first = basic_blocks(8, 8, 0, layers)
    assert [type(m) for m in first] == [Meta4D]
    last = basic_blocks(24, 32, 3, layers, vit_num=2, has_downsamper=True, drop_path_rate=0.3,
                        resolution=4)
    kinds = [type(m).__name__ for m in last]
    assert kinds == ['ConvModule', 'Meta4D', 'Flat', 'Meta3D', 'Meta3D']
    # stochastic depth grows with the block's position in the whole network (3..5 of 0..5)
    assert [m.drop_path.drop_prob for m in last if hasattr(m, 'drop_path')] == \
        pytest.approx([0.18, 0.24, 0.3])
    assert last(torch.rand(1, 24, 8, 8)).shape == (1, 16, 32)


def test_forward_tokens_runs_the_stages_on_the_stem_output():
    model = EfficientFormer(arch=TINY, out_indices=(2, 3), resolution=2).eval()
    x = torch.rand(1, 3, 64, 64)
    stem = model.patch_embed(x)
    for ours, direct in zip(model.forward_tokens(stem), model(x)):
        torch.testing.assert_close(ours, direct)
    assert EfficientFormer.arch_settings['l3']['vit_num'] == 4
