"""ResNeSt: split-attention bottlenecks on a ResNet-D, with MMClassification's parameter names."""
import pytest
import torch

from mmcls.models.backbones import ResNeSt
from mmcls.models.backbones.resnest import Bottleneck, RSoftmax, SplitAttentionConv2d


def test_rsoftmax_normalises_over_the_radix():
    x = torch.randn(2, 4 * 2 * 3)  # groups=4, radix=2, 3 channels each
    out = RSoftmax(radix=2, groups=4)(x).view(2, 2, 4, 3)
    torch.testing.assert_close(out.sum(dim=1), torch.ones(2, 4, 3))
    single = RSoftmax(radix=1, groups=1)(x)
    torch.testing.assert_close(single, torch.sigmoid(x))


@pytest.mark.parametrize('radix', [1, 2])
def test_split_attention_conv_shapes(radix):
    conv = SplitAttentionConv2d(16, 8, kernel_size=3, padding=1, radix=radix)
    assert conv.conv.out_channels == 8 * radix and conv.fc1.out_channels == 32
    assert conv(torch.randn(2, 16, 9, 9)).shape == (2, 8, 9, 9)


def test_bottleneck_strides_by_average_pool_and_has_no_norm2():
    block = Bottleneck(64, 256, stride=2, downsample=torch.nn.Conv2d(64, 256, 1, stride=2))
    assert block.avg_down_stride and block.conv2.conv.stride == (1, 1)
    assert not hasattr(block, 'bn2')
    assert block(torch.randn(2, 64, 16, 16)).shape == (2, 256, 8, 8)
    plain = Bottleneck(64, 256, stride=2, avg_down_stride=False,
                       downsample=torch.nn.Conv2d(64, 256, 1, stride=2))
    assert plain.conv2.conv.stride == (2, 2) and not hasattr(plain, 'avd_layer')


def test_resnest50_keys_parameters_and_output():
    model = ResNeSt(depth=50, stem_channels=64)
    model.init_weights()
    keys = model.state_dict().keys()
    for key in ('stem.0.conv.weight', 'layer2.0.conv2.conv.weight', 'layer2.0.conv2.bn0.weight',
                'layer2.0.conv2.fc1.bias', 'layer2.0.conv2.bn1.running_mean',
                'layer2.0.conv2.fc2.weight', 'layer2.0.downsample.1.weight'):
        assert key in keys
    assert not any('.bn2.' in key for key in keys)
    # 27.48 M with the 2048 x 1000 linear head, as in the ResNeSt paper's table
    params = sum(p.numel() for p in model.parameters()) + 2048 * 1000 + 1000
    assert round(params / 1e6, 2) == 27.48
    model.eval()
    (out, ) = model(torch.randn(1, 3, 64, 64))
    assert out.shape == (1, 2048, 2, 2)


def test_deeper_variants_and_bad_depth():
    assert ResNeSt.arch_settings[269][1] == (3, 30, 48, 8)
    model = ResNeSt(depth=101, stem_channels=128, num_stages=2, out_indices=(0, 1))
    outs = model(torch.randn(2, 3, 32, 32))
    assert [o.shape[1] for o in outs] == [256, 512]
    with pytest.raises(KeyError, match='depth 34'):
        ResNeSt(depth=34)
