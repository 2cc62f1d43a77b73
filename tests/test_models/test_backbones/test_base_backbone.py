"""BaseBackbone: frozen stages and norm_eval survive train(), and the shared helpers."""
import pytest
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import (BEiT, PCPVT, SVT, TNT, VAN, VGG, XCiT, Conformer,
                                    ConvMixer, ConvNeXt, CSPDarkNet, DaViT, DeiT3, DenseNet,
                                    DistilledVisionTransformer, EdgeNeXt, EfficientFormer,
                                    EfficientNet, EfficientNetV2, HorNet, LeViT, MlpMixer,
                                    MobileNetV2, MobileNetV3, MobileOne, MobileViT, MViT,
                                    PoolFormer, PyramidVig, RegNet, RepLKNet, RepMLPNet, RepVGG,
                                    ResNet, RevVisionTransformer, ShuffleNetV1, ShuffleNetV2,
                                    SwinTransformer, SwinTransformerV2, T2T_ViT, TinyViT, Vig,
                                    VisionTransformer)
from mmcls.models.backbones.base_backbone import (BaseBackbone, leading_layers,
                                                  normalize_out_indices, stem_and_stages)


def conv_bn(channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels),
                         nn.Dropout(0.5))


class ToyBackbone(BaseBackbone):
    """A stem, three stages and a loose ``scale`` parameter frozen with the stem."""

    def __init__(self, frozen_stages: int = -1, norm_eval: bool = False) -> None:
        super().__init__()
        self.stem = conv_bn(3)
        self.stages = nn.ModuleList([conv_bn(3) for _ in range(3)])
        self.scale = nn.Parameter(torch.ones(1))
        self.out_indices = (0, 2)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

    def _frozen_modules(self):
        return stem_and_stages(self.stem, self.stages, self.frozen_stages)

    def _frozen_params(self):
        return [self.scale] if self.frozen_stages >= 0 else []

    def forward(self, x):
        return self._forward_stages(self.stem(x) * self.scale, self.stages)


class PlainBackbone(BaseBackbone):
    """No frozen stages, no norm_eval."""

    def __init__(self) -> None:
        super().__init__()
        self.body = conv_bn(3)

    def forward(self, x):
        return (self.body(x), )


def frozen(module: nn.Module) -> bool:
    return not module.training and not any(p.requires_grad for p in module.parameters())


def trainable(module: nn.Module) -> bool:
    return module.training and all(p.requires_grad for p in module.parameters())


def test_frozen_stages_stay_frozen_after_train():
    model = ToyBackbone(frozen_stages=1)
    for _ in range(2):  # a train -> eval -> train round trip must not thaw anything
        model.train()
        assert frozen(model.stem) and frozen(model.stages[0])
        assert all(trainable(m) for m in model.stages[1:])
        assert not model.scale.requires_grad
        assert model.training
        model.eval()
        assert not model.training


def test_norm_eval_keeps_batch_norms_in_eval_mode_only():
    model = ToyBackbone(norm_eval=True).train()
    batch_norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert batch_norms and not any(bn.training for bn in batch_norms)
    dropouts = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    assert all(d.training for d in dropouts)
    assert all(p.requires_grad for p in model.parameters())
    mean = model.stages[2][1].running_mean.clone()
    model(torch.randn(2, 3, 8, 8))
    assert torch.equal(model.stages[2][1].running_mean, mean)


def test_without_frozen_stages_or_norm_eval_nothing_is_frozen():
    for model in (ToyBackbone(), PlainBackbone()):
        model.train()
        assert all(m.training for m in model.modules())
        assert all(p.requires_grad for p in model.parameters())


def test_train_leaves_a_subclass_freeze_stages_method_alone():
    # A backbone written before the hooks may keep its own _freeze_stages (and call it
    # itself); BaseBackbone.train must not call it behind its back.
    calls = []

    class OwnFreeze(PlainBackbone):

        def _freeze_stages(self):
            calls.append(1)

    OwnFreeze().train()
    assert calls == []


def test_stem_and_stages_and_forward_stages():
    stem, stages = nn.Identity(), [nn.ReLU(), nn.Tanh(), nn.Sigmoid()]
    assert stem_and_stages(stem, stages, -1) == []
    assert stem_and_stages(stem, stages, 0) == [stem]
    assert stem_and_stages(stem, iter(stages), 2) == [stem, *stages[:2]]
    outs = ToyBackbone().eval()(torch.randn(1, 3, 8, 8))
    assert len(outs) == 2 and outs[0].shape == (1, 3, 8, 8)


def test_leading_layers_add_the_final_norm_once_all_layers_are_frozen():
    layers, norm = [nn.ReLU(), nn.Tanh(), nn.Sigmoid()], nn.LayerNorm(2)
    assert leading_layers(layers, -1, norm) == []
    assert leading_layers(layers, 0, norm) == []
    assert leading_layers(layers, 2, norm) == layers[:2]
    assert leading_layers(layers, 3, norm) == [*layers, norm]
    assert leading_layers(layers, 5, None) == layers


def test_normalize_out_indices_names_the_unit():
    assert normalize_out_indices(-1, 4, 'Net') == (3, )
    with pytest.raises(ValueError, match='out of range for 7 network entries'):
        normalize_out_indices([7], 7, 'PoolFormer', unit='network entries')
    with pytest.raises(ValueError, match='out of range for 4 stages'):
        normalize_out_indices((4, ), 4, 'Net')


VIT = dict(embed_dims=16, num_layers=3, num_heads=2, feedforward_channels=32)
SWIN = dict(embed_dims=8, depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2])
TWINS = dict(embed_dims=[8, 8, 16, 16], depths=[1, 1, 1, 1], num_heads=[1, 1, 2, 2],
             mlp_ratios=[2, 2, 2, 2], patch_sizes=[4, 2, 2, 2], strides=[4, 2, 2, 2],
             sr_ratios=[4, 2, 1, 1])

TINY_BACKBONES = {
    'ResNet': lambda: ResNet(18),
    'RegNet': lambda: RegNet('regnetx_400mf'),
    'VGG': lambda: VGG(11, norm_cfg=dict(type='BN')),
    'MobileNetV2': lambda: MobileNetV2(widen_factor=0.25),
    'MobileNetV3': lambda: MobileNetV3('small'),
    'ShuffleNetV1': lambda: ShuffleNetV1(groups=1, widen_factor=0.25),
    'ShuffleNetV2': lambda: ShuffleNetV2(widen_factor=0.5),
    'EfficientNet': lambda: EfficientNet('b0'),
    'EfficientNetV2': lambda: EfficientNetV2('b0'),
    'CSPDarkNet': lambda: CSPDarkNet(53),
    'DenseNet': lambda: DenseNet(dict(growth_rate=8, depths=[2, 2], init_channels=16)),
    'ConvMixer': lambda: ConvMixer(dict(embed_dims=16, depth=3, patch_size=4, kernel_size=3)),
    'ConvNeXt': lambda: ConvNeXt('atto'),
    'EdgeNeXt': lambda: EdgeNeXt('xxsmall'),
    'HorNet': lambda: HorNet(dict(base_dim=8, depths=[1, 1, 1, 1], orders=[2, 3, 2, 2],
                                  dw_cfg=[dict(type='DW', kernel_size=7)] * 4)),
    'RepVGG': lambda: RepVGG('a0'),
    'MobileOne': lambda: MobileOne('s0'),
    'RepLKNet': lambda: RepLKNet(dict(large_kernel_sizes=[7, 7, 5, 3], layers=[1, 1, 2, 1],
                                      channels=[8, 16, 24, 32], small_kernel=3, dw_ratio=1)),
    'RepMLPNet': lambda: RepMLPNet(dict(channels=[8, 16, 32, 64], depths=[1, 1, 1, 1],
                                        sharesets_nums=[1, 4, 8, 16]), img_size=64),
    'MobileViT': lambda: MobileViT('xx_small'),
    'PoolFormer': lambda: PoolFormer('s12', frozen_stages=-1),  # its default 0 freezes the stem
    'EfficientFormer': lambda: EfficientFormer('l1'),
    'LeViT': lambda: LeViT('128s'),
    'VAN': lambda: VAN(dict(embed_dims=[8, 16, 24, 32], depths=[1, 1, 2, 1],
                            ffn_ratios=[2, 2, 2, 2])),
    'Vig': lambda: Vig(dict(num_blocks=2, channels=16), k=3),
    'PyramidVig': lambda: PyramidVig(dict(blocks=[1, 1, 1, 1], channels=[8, 16, 24, 32]), k=3),
    'VisionTransformer': lambda: VisionTransformer(VIT, img_size=32, patch_size=8),
    'DistilledVisionTransformer': lambda: DistilledVisionTransformer(VIT, img_size=32,
                                                                     patch_size=8),
    'DeiT3': lambda: DeiT3(VIT, img_size=32, patch_size=8),
    'BEiT': lambda: BEiT(VIT, img_size=32, patch_size=8, use_abs_pos_emb=True),
    'T2T_ViT': lambda: T2T_ViT(VIT, img_size=32, t2t_cfg=dict(token_dims=8)),
    'TNT': lambda: TNT(dict(embed_dims_outer=16, embed_dims_inner=8, num_layers=3,
                            num_heads_outer=2, num_heads_inner=2), img_size=32),
    'XCiT': lambda: XCiT(dict(embed_dims=16, depth=2, num_heads=2, layer_scale_init_value=1.,
                              tokens_norm=True), img_size=32),
    'TinyViT': lambda: TinyViT(dict(channels=[8, 16, 16, 32], num_heads=[1, 2, 2, 4],
                                    depths=[1, 1, 2, 1])),
    'PCPVT': lambda: PCPVT(TWINS),
    'SVT': lambda: SVT(dict(TWINS, window_sizes=[2, 2, 2, 2])),
    'Conformer': lambda: Conformer(dict(embed_dims=16, channel_ratio=1, num_heads=2, depths=3),
                                   base_channels=8),
    'SwinTransformer': lambda: SwinTransformer(SWIN, img_size=64, window_size=2),
    'SwinTransformerV2': lambda: SwinTransformerV2(dict(SWIN, extra_norm_every_n_layers=0),
                                                   img_size=64, window_size=2),
    'MlpMixer': lambda: MlpMixer(dict(embed_dims=16, num_layers=3, tokens_mlp_dims=8,
                                      channels_mlp_dims=32), img_size=32, patch_size=8),
    'RevVisionTransformer': lambda: RevVisionTransformer(VIT, img_size=32, patch_size=8),
    'DaViT': lambda: DaViT(SWIN, window_size=2),
    'MViT': lambda: MViT(dict(embed_dims=16, num_layers=4, num_heads=1, downscale_indices=[1, 3]),
                         img_size=64, use_abs_pos_embed=True),
}


@pytest.mark.parametrize('name', sorted(TINY_BACKBONES))
def test_default_frozen_stages_freeze_nothing(name):
    model = TINY_BACKBONES[name]().train()
    assert model._frozen_modules() == [] and model._frozen_params() == []
    assert all(m.training for m in model.modules())


@pytest.mark.parametrize('name,frozen_stages', [
    ('ResNet', 1), ('ConvNeXt', 2), ('RepVGG', 0), ('EfficientNet', 3), ('VAN', 0),
    ('VisionTransformer', 1), ('T2T_ViT', 0), ('TNT', 2), ('XCiT', 3), ('TinyViT', 1),
    ('PCPVT', 2), ('Conformer', 2), ('SwinTransformer', 0), ('MlpMixer', 1),
    ('RevVisionTransformer', 3), ('DaViT', 0), ('MViT', 2)
])
def test_frozen_stages_survive_train_in_real_backbones(name, frozen_stages):
    model = TINY_BACKBONES[name]()
    model.frozen_stages = frozen_stages
    model.train()
    modules = model._frozen_modules()
    assert modules and all(frozen(m) for m in modules)
    frozen_ids = {id(p) for m in modules for p in m.parameters()}
    assert any(p.requires_grad for p in model.parameters() if id(p) not in frozen_ids)


@pytest.mark.parametrize('name,frozen_stages,params', [
    ('VisionTransformer', 1, ['pos_embed', 'cls_token']),
    ('DistilledVisionTransformer', 1, ['pos_embed', 'cls_token', 'dist_token']),
    ('T2T_ViT', 0, ['cls_token']),
    ('TNT', 0, ['cls_token', 'patch_pos', 'pixel_pos']),
    ('XCiT', 3, ['cls_token']),  # the class token joins at the first class-attention layer
    ('SwinTransformer', 0, []),
    ('RevVisionTransformer', 1, ['pos_embed']),
    ('MViT', 1, ['pos_embed']),
])
def test_token_backbones_freeze_their_loose_parameters(name, frozen_stages, params):
    model = TINY_BACKBONES[name]()
    model.frozen_stages = frozen_stages
    model.train().eval().train()
    frozen_loose = {n for n, p in model.named_parameters(recurse=False) if not p.requires_grad}
    assert frozen_loose == set(params)


@pytest.mark.parametrize('name', ['VisionTransformer', 'BEiT', 'MlpMixer',
                                  'RevVisionTransformer', 'MViT', 'TinyViT', 'Conformer'])
def test_frozen_stages_zero_freezes_nothing_in_families_counting_from_one(name):
    model = TINY_BACKBONES[name]()
    model.frozen_stages = 0
    model.train()
    assert model._frozen_modules() == [] and model._frozen_params() == []
    assert all(p.requires_grad for p in model.parameters())
