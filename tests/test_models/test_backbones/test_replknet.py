"""RepLKNet: arch table, output normalisation, freezing, and large-kernel merging."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.backbones.replknet import RepLKNet, ReparamLargeKernelConv


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(large_kernel_sizes=[7, 7, 5, 3], layers=[1, 1, 2, 1], channels=[8, 16, 24, 32],
            small_kernel=3, dw_ratio=1)


def randomise_bn(model):
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen) - 0.5)


def test_out_indices_get_a_norm_and_shapes_follow_strides():
    model = RepLKNet(TINY, out_indices=(1, 3)).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 8), (1, 32, 2, 2)]
    assert isinstance(model.stages[1].norm, nn.BatchNorm2d)
    assert isinstance(model.stages[0].norm, nn.Identity)


def test_zoo_archs_and_errors():
    assert RepLKNet.arch_settings['31b']['channels'] == [128, 256, 512, 1024]
    assert RepLKNet.arch_settings['xl']['small_kernel'] is None
    with pytest.raises(KeyError, match='arch'):
        RepLKNet('99Z')
    with pytest.raises(ValueError, match='small_kernel'):
        ReparamLargeKernelConv(4, 4, 3, 1, 4, 5)


def test_large_kernel_conv_positional_arguments_and_merge():
    # in_channels, out_channels, kernel_size, stride, groups, small_kernel, small_kernel_merged
    conv = ReparamLargeKernelConv(4, 8, 7, 2, 2, 3).eval()
    origin, small = conv.lkb_origin.conv, conv.small_conv.conv
    assert (origin.in_channels, origin.out_channels, origin.kernel_size) == (4, 8, (7, 7))
    assert (origin.stride, origin.groups, origin.padding) == ((2, 2), 2, (3, 3))
    assert (small.kernel_size, small.stride, small.groups, small.padding) == ((3, 3), (2, 2), 2,
                                                                             (1, 1))
    randomise_bn(conv)
    x = torch.randn(1, 4, 9, 9)
    with torch.no_grad():
        expected = conv(x)
        conv.merge_kernel()
        torch.testing.assert_close(conv(x), expected, rtol=1e-4, atol=1e-5)
    assert conv.lkb_reparam.groups == 2 and conv.lkb_reparam.stride == (2, 2)
    merged = ReparamLargeKernelConv(4, 8, 7, 2, 2, 3, True)
    assert merged.small_kernel_merged and not hasattr(merged, 'lkb_origin')
    assert ReparamLargeKernelConv(4, 4, 5, 1, 4, None, False, dict(type='Kaiming')).init_cfg


@pytest.mark.parametrize('small_kernel', [3, None])
def test_switch_to_deploy_matches_training_form(small_kernel):
    model = RepLKNet(dict(TINY, small_kernel=small_kernel)).eval()
    randomise_bn(model)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(x)[0]
        model.switch_to_deploy()
        got = model(x)[0]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    merged = RepLKNet(dict(TINY, small_kernel=small_kernel), small_kernel_merged=True).eval()
    merged.load_state_dict(model.state_dict(), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(merged(x)[0], expected, rtol=1e-4, atol=1e-5)


def test_frozen_stages_and_norm_eval():
    model = RepLKNet(TINY, frozen_stages=1, norm_eval=True)
    model.train()
    assert not model.stem.training and not model.stages[0].training
    assert all(not p.requires_grad for p in model.stages[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    assert not model.stages[2].blocks[0].prelkb_bn.training
