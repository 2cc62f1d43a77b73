"""Layer-wise LR decay on fake models that use MMClassification's parameter names."""
import pytest
import torch
from torch import nn

from mmcls.engine.optimizers import LearningRateDecayOptimWrapperConstructor, build_optim_wrapper

LR, WD, RATE = 1.0, 0.05, 0.5


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(4)
        self.ffn = nn.Linear(4, 4)


class PatchEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        self.projection = nn.Conv2d(3, 4, 2)


class FakeViT(nn.Module):
    def __init__(self, depth=3):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, 4))
        self.pos_embed = nn.Parameter(torch.zeros(1, 2, 4))
        self.patch_embed = PatchEmbed()
        self.layers = nn.ModuleList(Block() for _ in range(depth))
        self.ln1 = nn.LayerNorm(4)


class SwinStage(nn.Module):
    def __init__(self, depth, downsample):
        super().__init__()
        self.blocks = nn.ModuleList(Block() for _ in range(depth))
        if downsample:
            self.downsample = nn.Module()
            self.downsample.norm = nn.LayerNorm(8)
            self.downsample.reduction = nn.Linear(8, 4, bias=False)


class FakeSwin(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch_embed = PatchEmbed()
        self.stages = nn.ModuleList([SwinStage(2, True), SwinStage(2, False)])
        self.norm3 = nn.LayerNorm(4)


class FakeConvNeXt(nn.Module):
    def __init__(self, depths=(1, 1, 4, 1)):
        super().__init__()
        self.downsample_layers = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(4), nn.Conv2d(4, 4, 1)) for _ in depths)
        self.stages = nn.ModuleList(nn.Sequential(*[Block() for _ in range(d)]) for d in depths)
        self.norm3 = nn.LayerNorm(4)


class Classifier(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Module()
        self.head.fc = nn.Linear(4, 2)


def build(backbone, **paramwise):
    paramwise.setdefault('layer_decay_rate', RATE)
    model = Classifier(backbone)
    wrapper = build_optim_wrapper(model, dict(
        optimizer=dict(type='AdamW', lr=LR, weight_decay=WD),
        constructor='LearningRateDecayOptimWrapperConstructor', paramwise_cfg=paramwise))
    groups = {g['param_name']: g for g in wrapper.param_groups}
    assert len(groups) == len(list(model.parameters()))
    return groups


def assert_layers(groups, expected_ids, max_id):
    for name, layer_id in expected_ids.items():
        assert groups[name]['layer_id'] == layer_id, name
        assert groups[name]['lr'] == pytest.approx(LR * RATE ** (max_id - layer_id - 1)), name


def test_vit_layers():
    groups = build(FakeViT(depth=3))
    assert_layers(groups, {
        'backbone.cls_token': 0, 'backbone.pos_embed': 0,
        'backbone.patch_embed.projection.weight': 0,
        'backbone.layers.0.ffn.weight': 1, 'backbone.layers.2.ln1.bias': 3,
        'backbone.ln1.weight': 4, 'head.fc.weight': 4}, max_id=5)
    assert groups['head.fc.weight']['lr'] == LR
    assert groups['backbone.cls_token']['lr_scale'] == RATE ** 4


def test_swin_layers():
    groups = build(FakeSwin())
    assert_layers(groups, {
        'backbone.patch_embed.projection.weight': 0,
        'backbone.stages.0.blocks.0.ffn.weight': 1, 'backbone.stages.0.blocks.1.ffn.weight': 2,
        'backbone.stages.0.downsample.reduction.weight': 2,
        'backbone.stages.0.downsample.norm.weight': 2,
        'backbone.stages.1.blocks.0.ln1.weight': 3, 'backbone.stages.1.blocks.1.ffn.bias': 4,
        'backbone.norm3.weight': 5, 'head.fc.bias': 5}, max_id=6)


def test_convnext_layers():
    groups = build(FakeConvNeXt((1, 1, 4, 1)))
    assert_layers(groups, {
        'backbone.downsample_layers.0.1.weight': 0, 'backbone.stages.0.0.ffn.weight': 1,
        'backbone.downsample_layers.1.1.weight': 2, 'backbone.stages.1.0.ffn.weight': 2,
        'backbone.downsample_layers.2.0.weight': 3, 'backbone.stages.2.0.ffn.weight': 3,
        'backbone.stages.2.2.ffn.weight': 3, 'backbone.stages.2.3.ffn.weight': 4,
        'backbone.downsample_layers.3.1.bias': 6, 'backbone.stages.3.0.ffn.weight': 6,
        'backbone.norm3.weight': 7, 'head.fc.weight': 7}, max_id=8)


def test_convnext_deep_stage_uses_twelve_layers():
    groups = build(FakeConvNeXt((1, 1, 10, 1)))
    assert groups['backbone.stages.2.9.ffn.weight']['layer_id'] == 6
    assert groups['backbone.stages.3.0.ffn.weight']['layer_id'] == 12
    assert groups['head.fc.weight']['layer_id'] == 13


def test_weight_decay_options_and_custom_keys():
    groups = build(FakeViT(), norm_decay_mult=0., bias_decay_mult=0.,
                   custom_keys={'.cls_token': dict(decay_mult=0.),
                                '.pos_embed': dict(decay_mult=0., lr_mult=2.)})
    assert groups['backbone.cls_token']['weight_decay'] == 0.
    assert groups['backbone.pos_embed']['lr'] == pytest.approx(2 * LR * RATE ** 4)
    assert groups['backbone.layers.0.ln1.weight']['weight_decay'] == 0.
    assert groups['backbone.layers.0.ffn.bias']['weight_decay'] == 0.
    assert groups['backbone.layers.0.ffn.weight']['weight_decay'] == WD


def test_backbone_get_layer_depth_wins():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)

        def get_layer_depth(self, name, prefix):
            return (0 if name.startswith(prefix) else 2), 3

    groups = build(Custom())
    assert groups['backbone.a.weight']['lr'] == pytest.approx(LR * RATE ** 2)
    assert groups['head.fc.weight']['lr'] == LR


def test_explicit_model_type_and_unknown_models():
    groups = build(FakeViT(), model_type='vit')
    assert groups['backbone.layers.1.ffn.weight']['layer_id'] == 2
    with pytest.raises(ValueError, match='cannot tell the layers'):
        build(nn.Linear(2, 2))
    with pytest.raises(ValueError, match='unknown model_type'):
        build(FakeViT(), model_type='resnet')


def test_frozen_parameters_are_left_out_and_no_decay_rate_means_scale_one():
    backbone = FakeViT()
    backbone.cls_token.requires_grad_(False)
    model = Classifier(backbone)
    constructor = LearningRateDecayOptimWrapperConstructor(
        dict(optimizer=dict(type='SGD', lr=LR)))
    wrapper = constructor(model)
    names = {g['param_name'] for g in wrapper.param_groups}
    assert 'backbone.cls_token' not in names
    assert all(g['lr'] == LR for g in wrapper.param_groups)
