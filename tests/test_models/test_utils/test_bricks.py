"""Shared model bricks: names (checkpoint compatibility), shapes and init semantics."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.utils.activation import HSigmoid, build_activation_layer
from mmcls.models.utils.base_module import BaseModule, Sequential
from mmcls.models.utils.channel_shuffle import channel_shuffle
from mmcls.models.utils.conv import Conv2dAdaptivePadding, build_conv_layer
from mmcls.models.utils.conv_module import ConvModule
from mmcls.models.utils.drop import DropPath, build_dropout
from mmcls.models.utils.inverted_residual import InvertedResidual
from mmcls.models.utils.layer_scale import LayerScale
from mmcls.models.utils.make_divisible import make_divisible
from mmcls.models.utils.norm import LayerNorm2d, build_norm_layer
from mmcls.models.utils.se_layer import SELayer
from mmcls.models.utils.weight_init import initialize


def test_build_norm_layer_names_and_options():
    name, layer = build_norm_layer(dict(type='BN', requires_grad=False), 8, postfix=1)
    assert name == 'bn1' and isinstance(layer, nn.BatchNorm2d)
    assert not any(p.requires_grad for p in layer.parameters())
    assert build_norm_layer(dict(type='GN', num_groups=2), 8)[0] == 'gn'
    assert build_norm_layer(dict(type='LN'), 8)[0] == 'ln'
    assert build_norm_layer(dict(type='LN2d', eps=1e-6), 8)[0] == 'ln'
    with pytest.raises(KeyError, match='num_groups'):
        build_norm_layer(dict(type='GN'), 8)
    with pytest.raises(KeyError, match='norm'):
        build_norm_layer(dict(type='NoSuchNorm'), 8)


def test_layer_norm_2d_matches_channel_layer_norm():
    x = torch.randn(2, 4, 3, 5)
    ln = LayerNorm2d(4)
    expected = nn.functional.layer_norm(x.permute(0, 2, 3, 1), (4, )).permute(0, 3, 1, 2)
    torch.testing.assert_close(ln(x), expected)


def test_activations():
    x = torch.linspace(-5, 5, 11)
    torch.testing.assert_close(HSigmoid()(x), ((x + 3) / 6).clamp(0, 1))
    assert isinstance(build_activation_layer(dict(type='Sigmoid', inplace=True)), nn.Sigmoid)
    assert build_activation_layer(dict(type='ReLU', inplace=True)).inplace
    torch.testing.assert_close(build_activation_layer(dict(type='HSwish'))(x),
                               x * torch.clamp(x + 3, 0, 6) / 6)


def test_conv_module_keys_order_and_bias():
    m = ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type='BN'))
    assert list(m.state_dict())[:2] == ['conv.weight', 'bn.weight']
    assert m.conv.bias is None  # bias='auto' with a norm
    assert ConvModule(3, 8, 1, act_cfg=None).conv.bias is not None
    pre = ConvModule(3, 8, 1, norm_cfg=dict(type='BN'), order=('norm', 'act', 'conv'))
    assert pre.norm.num_features == 3
    out = m(torch.randn(1, 3, 6, 6))
    assert out.shape == (1, 8, 6, 6) and out.min() >= 0


def test_conv_adaptive_padding_same_output():
    conv = build_conv_layer(dict(type='Conv2dAdaptivePadding'), 3, 4, 3, stride=2)
    assert isinstance(conv, Conv2dAdaptivePadding)
    assert conv(torch.randn(1, 3, 7, 9)).shape == (1, 4, 4, 5)


def test_drop_path_eval_identity_and_train_scaling():
    torch.manual_seed(0)
    dp = DropPath(0.5)
    x = torch.ones(1000, 4)
    dp.eval()
    assert torch.equal(dp(x), x)
    dp.train()
    y = dp(x)
    assert set(y.unique().tolist()) <= {0.0, 2.0}
    assert 0.4 < (y[:, 0] == 0).float().mean() < 0.6
    # built even at rate 0, so every layer of a depth schedule exposes drop_prob
    zero = build_dropout(dict(type='DropPath', drop_prob=0.))
    assert isinstance(zero, DropPath) and zero.drop_prob == 0.
    assert torch.equal(zero.train()(x), x)


def test_make_divisible_and_channel_shuffle():
    assert make_divisible(30, 8) == 32
    assert make_divisible(10, 8) == 16  # 8 would lose more than 10%
    x = torch.arange(6.).view(1, 6, 1, 1)
    assert channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]


def test_se_layer_and_inverted_residual():
    se = SELayer(16, ratio=4)
    assert se.conv1.conv.out_channels == 8  # make_divisible(4, 8)
    x = torch.randn(2, 16, 5, 5)
    assert se(x).shape == x.shape
    block = InvertedResidual(16, 16, 32, se_cfg=dict(channels=32, ratio=4), drop_path_rate=0.1)
    assert {'expand_conv.conv.weight', 'depthwise_conv.conv.weight', 'se.conv1.conv.weight',
            'linear_conv.conv.weight'} <= set(block.state_dict())
    assert block.with_res_shortcut and block(x).shape == x.shape
    assert not InvertedResidual(16, 16, 16).with_expand_conv


def test_layer_scale_formats():
    ls = LayerScale(4, data_format='channels_first', scale=0.5)
    torch.testing.assert_close(ls(torch.ones(1, 4, 2, 2)), torch.full((1, 4, 2, 2), 0.5))


class _Toy(BaseModule):

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(2, 2, 1)
        self.fc = nn.Linear(2, 2)


def test_init_cfg_layer_and_override():
    toy = _Toy(init_cfg=dict(type='Constant', val=2, bias=1, layer='Conv2d',
                             override=dict(name='fc', type='Constant', val=3)))
    toy.init_weights()
    assert torch.all(toy.conv.weight == 2) and torch.all(toy.conv.bias == 1)
    assert torch.all(toy.fc.weight == 3) and torch.all(toy.fc.bias == 0)
    assert toy.is_init


def test_init_cfg_that_is_not_a_dict_is_refused_by_name():
    for bad in ('Constant', [dict(type='Constant', val=1), 3]):
        with pytest.raises(TypeError, match='_Toy: init_cfg must be a dict or a list of dicts'):
            _Toy(init_cfg=bad).init_weights()


def test_init_cfg_override_inherits_parent_args():
    toy = _Toy()
    initialize(toy, dict(type='Constant', val=5, override=dict(name='fc')))
    assert torch.all(toy.fc.weight == 5)
    assert not torch.all(toy.conv.weight == 5)  # no `layer`: only the override applies


def test_children_initialise_before_pretrained(tmp_path):
    outer = Sequential(_Toy(init_cfg=dict(type='Constant', val=1, layer='Linear')))
    outer.init_weights()
    assert torch.all(outer[0].fc.weight == 1)
    with pytest.raises(KeyError, match='not a sub-module'):
        initialize(_Toy(), dict(type='Constant', val=1, override=dict(name='nope')))

