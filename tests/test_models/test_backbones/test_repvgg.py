"""RepVGG: arch table, outputs, freezing, and train-time vs deploy-time agreement."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.backbones.repvgg import RepVGG, RepVGGBlock


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(num_blocks=[1, 2, 1, 1], width_factor=[0.25, 0.25, 0.25, 0.25],
            group_layer_map={2: 2}, se_cfg=None)


def randomise_bn(model):
    """Give batch norms non-trivial statistics so the fusion is really exercised."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen) - 0.5)


def test_arch_a0_extract_feat_width_as_the_seed_prints():
    model = RepVGG('A0')
    assert model.out_channels == 1280
    assert sum(p.numel() for p in model.parameters()) == 9108968 - 1281000


def test_out_indices_shapes_and_identity_branch_only_when_shapes_match():
    model = RepVGG(TINY, out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 8), (1, 32, 4, 4), (1, 64, 2, 2),
                                              (1, 128, 1, 1)]
    assert model.stage_2[0].branch_norm is None and model.stage_2[1].branch_norm is not None
    assert model.stage_2[0].branch_3x3.conv.groups == 2


@pytest.mark.parametrize('se_cfg', [None, dict(ratio=4, divisor=1)])
def test_switch_to_deploy_matches_training_form(se_cfg):
    model = RepVGG(dict(TINY, se_cfg=se_cfg), out_indices=(3, )).eval()
    randomise_bn(model)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(x)[0]
        model.switch_to_deploy()
        got = model(x)[0]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    assert all(not hasattr(m, 'branch_3x3') for m in model.modules()
               if isinstance(m, RepVGGBlock))


def test_deploy_model_loads_converted_weights():
    train = RepVGG(TINY).eval()
    randomise_bn(train)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        expected = train(x)[0]
        train.switch_to_deploy()
    deploy = RepVGG(TINY, deploy=True).eval()
    deploy.load_state_dict(train.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(deploy(x)[0], expected, rtol=1e-4, atol=1e-5)


def test_frozen_stages_and_norm_eval():
    model = RepVGG(TINY, frozen_stages=1, norm_eval=True)
    model.train()
    assert not model.stem.training and not model.stage_1.training
    assert all(not p.requires_grad for p in model.stage_1.parameters())
    assert all(p.requires_grad for p in model.stage_2.parameters())
    assert not model.stage_3[0].branch_3x3.norm.training


def test_stem_channels_from_the_arch_capped_by_the_first_stage():
    wide = dict(TINY, width_factor=[1, 1, 1, 1])  # first stage 64 channels
    assert RepVGG(wide).stem.out_channels == 64  # 64 when the arch gives no stem_channels
    assert RepVGG(dict(wide, stem_channels=32)).stem.out_channels == 32
    assert RepVGG(dict(wide, stem_channels=128)).stem.out_channels == 64
    assert RepVGG(dict(TINY, stem_channels=8)).stem.out_channels == 8
    assert RepVGG(TINY).stem.out_channels == 16
    model = RepVGG('yolox-pai-small', out_indices=(0, 1, 2, 3))
    assert model.stem.out_channels == 32
    assert [len(getattr(model, f'stage_{i}')) for i in range(1, 5)] == [3, 5, 7, 3]
    assert [o.shape[1] for o in model.eval()(torch.rand(1, 3, 32, 32))] == [64, 128, 256, 512]


def test_block_takes_init_cfg():
    block = RepVGGBlock(8, 8, init_cfg=dict(type='Constant', val=0, layer='Conv2d'))
    block.init_weights()
    assert not block.branch_3x3.conv.weight.any()


def test_block_keeps_its_layer_configs():
    block = RepVGGBlock(8, 8)
    assert block.se_cfg is None and block.act_cfg == dict(type='ReLU')
    se_cfg, act_cfg = dict(ratio=4), dict(type='GELU')
    block = RepVGGBlock(8, 8, se_cfg=se_cfg, act_cfg=act_cfg, deploy=True)
    assert block.se_cfg == se_cfg and block.act_cfg == act_cfg
    assert block.norm_cfg == dict(type='BN') and block.conv_cfg is None


def test_bad_arguments_are_named():
    with pytest.raises(KeyError, match='arch'):
        RepVGG('Z9')
    with pytest.raises(ValueError, match='frozen_stages'):
        RepVGG(TINY, frozen_stages=7)


def test_zoo_model_snippet_with_lower_case_name_and_deploy_switch():
    from mmcls import get_model
    torch.manual_seed(0)
    model = get_model('repvgg-a0_8xb32_in1k').eval()
    randomise_bn(model)
    inputs = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        out = model(inputs)
        assert model.extract_feat(inputs)[0].shape == (1, 1280)
        model.backbone.switch_to_deploy()
        deploy_out = model(inputs)
    # 22 blocks of randomly initialised weights give large logits: compare relative to them
    assert (deploy_out - out).abs().max() <= 1e-4 * out.abs().max()
