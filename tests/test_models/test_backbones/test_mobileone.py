"""MobileOne: arch table, SE placement, freezing, and train-time vs deploy-time agreement."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.backbones.mobileone import MobileOne, MobileOneBlock


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(num_blocks=[1, 2, 1, 1], width_factor=[0.25, 0.25, 0.25, 0.25],
            num_conv_branches=[2, 2, 1, 1], num_se_blocks=[0, 1, 0, 1])


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


def test_zoo_arch_widths():
    assert MobileOne('s0').out_channels == 1024
    assert MobileOne('s1').out_channels == 1280
    with pytest.raises(KeyError, match='arch'):
        MobileOne('s9')


def test_arch_names_are_case_sensitive():
    for name in ('S3', 'S0'):
        with pytest.raises(KeyError, match=rf"'{name}'.*\['s0', 's1', 's2', 's3', 's4'\]"):
            MobileOne(name)


def test_out_indices_shapes_and_se_on_last_blocks():
    model = MobileOne(TINY, out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 16, 16), (1, 32, 8, 8), (1, 64, 4, 4),
                                              (1, 128, 2, 2)]
    # stage2 has two (depthwise, pointwise) pairs; only the last pair carries SE
    assert isinstance(model.stage2[0].se, nn.Identity)
    assert not isinstance(model.stage2[2].se, nn.Identity)
    assert not isinstance(model.stage2[3].se, nn.Identity)
    assert len(model.stage1[0].branch_conv_list) == 2


def test_switch_to_deploy_matches_training_form():
    model = MobileOne(TINY, out_indices=(1, 3)).eval()
    randomise_bn(model)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        model.switch_to_deploy()
        got = model(x)
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    deploy = MobileOne(TINY, out_indices=(1, 3), deploy=True).eval()
    deploy.load_state_dict(model.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(deploy(x)[1], expected[1], rtol=1e-4, atol=1e-5)


def test_block_without_scale_branch_for_1x1_kernels():
    block = MobileOneBlock(8, 8, 1, num_convs=2, padding=0)
    assert block.branch_scale is None and block.branch_norm is not None


def test_block_positional_arguments_and_padding_default():
    # in, out, kernel_size, num_convs, stride, padding, dilation, groups, se_cfg
    block = MobileOneBlock(8, 8, 3, 2, 2, 2, 2, 8, dict(ratio=4)).eval()
    conv = block.branch_conv_list[0].conv
    assert len(block.branch_conv_list) == 2
    assert (conv.stride, conv.padding, conv.dilation, conv.groups) == ((2, 2), (2, 2), (2, 2), 8)
    assert isinstance(block.se, nn.Module) and not isinstance(block.se, nn.Identity)
    assert block(torch.rand(1, 8, 8, 8)).shape == (1, 8, 4, 4)
    # a 3x3 block keeps the resolution by default (padding 1)
    assert MobileOneBlock(8, 8, 3, 1).eval()(torch.rand(1, 8, 8, 8)).shape == (1, 8, 8, 8)
    assert MobileOneBlock(8, 8, 3, 1, init_cfg=dict(type='Kaiming', layer='Conv2d')).init_cfg


def test_block_keeps_its_layer_configs():
    block = MobileOneBlock(8, 8, 3, 1)
    assert block.se_cfg is None and block.act_cfg == dict(type='ReLU')
    block = MobileOneBlock(8, 8, 3, 1, se_cfg=dict(ratio=4), act_cfg=dict(type='GELU'))
    assert block.se_cfg == dict(ratio=4) and block.act_cfg == dict(type='GELU')


def test_frozen_stages_and_norm_eval():
    model = MobileOne(TINY, frozen_stages=2, norm_eval=True)
    model.train()
    assert not model.stage0.training and not model.stage2.training
    assert all(not p.requires_grad for p in model.stage2.parameters())
    assert all(p.requires_grad for p in model.stage3.parameters())
    assert not model.stage4[0].branch_conv_list[0].norm.training
    with pytest.raises(ValueError, match='frozen_stages'):
        MobileOne(TINY, frozen_stages=5)
