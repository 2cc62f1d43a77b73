"""Re-parameterisation helpers: conv+BN folding, identity kernels and kernel padding."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.models.utils.reparam import fuse_conv_bn, identity_kernel, pad_kernel_to


def test_fuse_conv_bn_equals_conv_then_bn():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
    bn = nn.BatchNorm2d(4).eval()
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
    x = torch.randn(2, 3, 6, 6)
    weight, bias = fuse_conv_bn(conv.weight, bn)
    with torch.no_grad():
        torch.testing.assert_close(F.conv2d(x, weight, bias, padding=1), bn(conv(x)))
    with pytest.raises(TypeError, match='batch-norm'):
        fuse_conv_bn(conv.weight, nn.LayerNorm(4))


@pytest.mark.parametrize('groups', [1, 2, 4])
def test_identity_kernel_is_identity_for_grouped_convs(groups):
    x = torch.randn(1, 4, 5, 5)
    kernel = identity_kernel(4, groups, 3, x)
    torch.testing.assert_close(F.conv2d(x, kernel, padding=1, groups=groups), x)


def test_pad_kernel_centres_the_small_kernel():
    padded = pad_kernel_to(torch.ones(2, 1, 1, 1), 5)
    assert padded.shape == (2, 1, 5, 5) and padded.sum() == 2 and padded[0, 0, 2, 2] == 1
    with pytest.raises(ValueError, match='cannot pad'):
        pad_kernel_to(torch.ones(1, 1, 3, 3), 4)
