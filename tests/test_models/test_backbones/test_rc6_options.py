"""Constructor options that MMClassification 1.x (rc6) configs pass to the backbones and necks.

Each test builds the module with the option as an rc6 config spells it and checks what
the option does (or that a value this implementation cannot honour is refused by name).
"""
import pytest
import torch
import torch.nn as nn

from mmcls.models.backbones import (AlexNet, EdgeNeXt, LeViT, PyramidVig, RegNet, RepLKNet,
                                    RepVGG, RevVisionTransformer, TinyViT, Vig, XCiT)
from mmcls.models.necks import GeneralizedMeanPooling, LinearReduction
from mmcls.registry import MODELS

TINY_REPLK = dict(large_kernel_sizes=[7, 7, 5, 3], layers=[1, 1, 1, 1], channels=[8, 16, 24, 32],
                  small_kernel=3, dw_ratio=1)
TINY_EDGE = dict(channels=[8, 16, 24, 32], depths=[1, 1, 1, 1], num_heads=2)
TINY_LEVIT = dict(embed_dims=[16, 32, 48], num_heads=[2, 2, 3], depths=[1, 1, 1],
                  key_dims=[8, 8, 8])
TINY_TINYVIT = dict(channels=[8, 16, 16, 32], num_heads=[1, 2, 2, 4], depths=[1, 1, 1, 1])


def test_alexnet_features_and_classifier():
    assert MODELS.get('AlexNet') is AlexNet
    x = torch.randn(1, 3, 224, 224)
    features, = AlexNet().eval()(x)
    assert features.shape == (1, 256, 6, 6)
    logits, = AlexNet(num_classes=7).eval()(x)
    assert logits.shape == (1, 7)


def test_edgenext_global_position_encoding():
    plain = EdgeNeXt(TINY_EDGE)
    assert plain.pos_embed is None
    model = EdgeNeXt(TINY_EDGE, use_pos_embd_global=True).eval()
    assert any(k.startswith('pos_embed.') for k in model.state_dict())
    out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 32)
    with torch.no_grad():  # the encoding changes the features
        plain.load_state_dict({k: v for k, v in model.state_dict().items()
                               if not k.startswith('pos_embed.')})
        assert not torch.allclose(plain.eval()(torch.ones(1, 3, 64, 64))[0],
                                  model(torch.ones(1, 3, 64, 64))[0])


def test_repvgg_add_ppf_after_the_last_stage():
    model = RepVGG('A0', add_ppf=True, out_indices=(3, )).eval()
    assert 'ppf.conv1.conv.weight' in model.state_dict()
    assert model.state_dict()['ppf.conv2.conv.weight'].shape[:2] == (1280, 1280 * 2)
    out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 1280, 2, 2)
    assert isinstance(RepVGG('A0').ppf, nn.Identity)


def test_replknet_strides_dilations_and_activation():
    x = torch.randn(1, 3, 64, 64)
    assert RepLKNet(TINY_REPLK, out_indices=(3, )).eval()(x)[0].shape == (1, 32, 2, 2)
    model = RepLKNet(TINY_REPLK, strides=(2, 1, 2, 2), out_indices=(3, ),
                     act_cfg=dict(type='GELU')).eval()
    out, = model(x)
    assert out.shape == (1, 32, 4, 4)  # the second stage no longer halves the map
    assert isinstance(model.stem[0].nonlinear, nn.GELU)
    with pytest.raises(ValueError, match='dilations'):
        RepLKNet(TINY_REPLK, dilations=(1, 2, 1, 1))
    with pytest.raises(ValueError, match='strides'):
        RepLKNet(TINY_REPLK, strides=(2, 2))


def test_regnet_deep_stem_only_false():
    assert RegNet('regnetx_400mf', deep_stem=False).deep_stem is False
    with pytest.raises(ValueError, match='deep_stem'):
        RegNet('regnetx_400mf', deep_stem=True)


def test_levit_hybrid_backbone_builds_the_stem():
    def stem(embed_dims):
        return nn.Sequential(nn.Conv2d(3, embed_dims, 16, stride=16), nn.BatchNorm2d(embed_dims))

    model = LeViT(TINY_LEVIT, img_size=64, hybrid_backbone=stem).eval()
    assert isinstance(model.patch_embed, nn.Sequential)
    out, = model(torch.randn(1, 3, 64, 64))
    assert out.shape[:2] == (1, 48)


def test_revvit_cls_token_options_refused():
    arch = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)
    assert RevVisionTransformer(arch, img_size=32, patch_size=8, with_cls_token=False)
    for option in ('with_cls_token', 'output_cls_token'):
        with pytest.raises(ValueError, match=option):
            RevVisionTransformer(arch, img_size=32, patch_size=8, **{option: True})


def test_tinyvit_use_checkpoint_and_layer_lr_decay():
    assert all(stage.with_cp for stage in TinyViT(arch=TINY_TINYVIT, use_checkpoint=True).stages)
    assert not any(stage.with_cp for stage in TinyViT(arch=TINY_TINYVIT).stages)
    with pytest.raises(ValueError, match='LearningRateDecayOptimWrapperConstructor'):
        TinyViT(arch=TINY_TINYVIT, layer_lr_decay=0.8)


def test_xcit_keyword_widths_and_arch_overrides():
    default = XCiT()
    assert (default.embed_dims, len(default.xca_layers)) == (768, 12)
    small = XCiT(embed_dims=32, depth=2, num_heads=4, img_size=32)
    assert (small.embed_dims, len(small.xca_layers)) == (32, 2)
    nano = XCiT('nano-12', depth=2, img_size=32)
    assert (nano.embed_dims, len(nano.xca_layers)) == (128, 2)  # arch width, given depth


def test_vig_drop_path_alias():
    model = Vig(dict(num_blocks=2, channels=16), k=3, drop_path=0.2)
    assert model.blocks[-1][0].drop_path.drop_prob == pytest.approx(0.2)
    with pytest.raises(ValueError, match='drop_path'):
        PyramidVig(dict(blocks=[1, 1, 1, 1], channels=[8, 16, 24, 32]), k=3, drop_path=0.1,
                   drop_path_rate=0.1)


def test_out_indices_take_any_sequence():
    model = RegNet('regnetx_400mf', out_indices=range(4))
    assert model.out_indices == (0, 1, 2, 3)
    with pytest.raises(TypeError, match='out_indices'):
        RegNet('regnetx_400mf', out_indices='0')


def test_transformer_layers_expose_drop_prob_at_rate_zero():
    from mmcls.models.backbones import VisionTransformer
    model = VisionTransformer(dict(embed_dims=16, num_layers=3, num_heads=2,
                                   feedforward_channels=32), img_size=32, patch_size=8,
                              drop_path_rate=0.2)
    rates = [layer.ffn.dropout_layer.drop_prob for layer in model.layers]
    assert rates == pytest.approx([0., 0.1, 0.2])


def test_neck_defaults():
    assert GeneralizedMeanPooling().p.requires_grad
    neck = LinearReduction(8, 4)
    assert isinstance(neck.act, nn.Identity) and neck.init_cfg is None
