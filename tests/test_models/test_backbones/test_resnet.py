import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import ResNet, ResNetV1c, ResNetV1d
from mmcls.models.backbones.resnet import BasicBlock, Bottleneck, ResLayer

torch.manual_seed(0)
X = torch.rand(1, 3, 64, 64)


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('depth,params', [(18, 11176512), (50, 23508032)])
def test_resnet_parameter_counts(depth, params):
    # torchvision-equal counts without the fc layer (11.69M / 25.56M with it)
    assert count(ResNet(depth)) == params


def test_resnet_out_indices_and_shapes():
    model = ResNet(18, out_indices=(0, 1, 2, 3))
    outs = model(X)
    assert [tuple(o.shape) for o in outs] == [(1, 64, 16, 16), (1, 128, 8, 8), (1, 256, 4, 4),
                                              (1, 512, 2, 2)]
    assert len(ResNet(18, out_indices=(-1, )).forward(X)) == 1
    assert ResNet(50, num_stages=2, out_indices=(1, )).forward(X)[0].shape == (1, 512, 8, 8)
    with pytest.raises(ValueError, match='out_indices'):
        ResNet(18, out_indices=(4, ))
    with pytest.raises(KeyError, match='invalid depth'):
        ResNet(20)


def test_resnet_frozen_stages():
    model = ResNet(18, frozen_stages=2)
    model.train()
    for module in (model.conv1, model.norm1, model.layer1, model.layer2):
        assert not module.training
        assert all(not p.requires_grad for p in module.parameters())
    assert model.layer3.training
    assert all(p.requires_grad for p in model.layer3.parameters())
    # the deep stem is frozen as a whole
    deep = ResNetV1d(depth=50, frozen_stages=0)
    deep.train()
    assert not deep.stem.training and all(not p.requires_grad for p in deep.stem.parameters())
    assert deep.layer1.training


def test_resnet_norm_eval():
    model = ResNet(18, norm_eval=True)
    model.train()
    norms = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert norms and all(not m.training for m in norms)
    before = model.layer1[0].bn1.running_mean.clone()
    model(X)
    assert torch.equal(model.layer1[0].bn1.running_mean, before)
    assert all(m.weight.requires_grad for m in norms)  # frozen statistics, trainable affine
    normal = ResNet(18).train()
    assert all(m.training for m in normal.modules() if isinstance(m, _BatchNorm))


def test_resnet_zero_init_residual():
    model = ResNet(50)
    model.init_weights()
    for block in model.modules():
        if isinstance(block, Bottleneck):
            assert torch.count_nonzero(block.norm3.weight) == 0
    assert (model.layer1[0].bn1.weight == 1).all()
    model = ResNet(18, zero_init_residual=False)
    model.init_weights()
    assert (model.layer1[0].bn2.weight == 1).all()


def test_resnet_variants_state_dict_keys():
    v1c = ResNetV1c(depth=50)
    keys = set(v1c.state_dict())
    assert 'stem.0.conv.weight' in keys and 'conv1.weight' not in keys
    assert 'layer2.0.downsample.0.weight' in keys
    v1d = ResNetV1d(depth=50)
    assert 'layer2.0.downsample.1.weight' in v1d.state_dict()  # avg-pool first
    assert isinstance(v1d.layer2[0].downsample[0], torch.nn.AvgPool2d)
    assert v1c(X)[0].shape == v1d(X)[0].shape == (1, 2048, 2, 2)


def test_wide_resnet_and_caffe_style():
    wide = ResNet(50, base_channels=128, expansion=2)
    assert wide.layer1[0].conv1.out_channels == 128 and wide.layer1[0].conv3.out_channels == 256
    assert wide.feat_dim == 2048
    caffe = ResNet(50, style='caffe')
    assert caffe.layer2[0].conv1.stride == (2, 2) and caffe.layer2[0].conv2.stride == (1, 1)
    pytorch = ResNet(50)
    assert pytorch.layer2[0].conv1.stride == (1, 1) and pytorch.layer2[0].conv2.stride == (2, 2)


def test_res_layer_and_blocks():
    layer = ResLayer(BasicBlock, num_blocks=2, in_channels=8, out_channels=16, stride=2)
    assert layer[0].downsample is not None and layer[1].downsample is None
    assert layer(torch.rand(1, 8, 8, 8)).shape == (1, 16, 4, 4)
    with pytest.raises(ValueError, match='drop path rates'):
        ResLayer(BasicBlock, 2, 8, 8, drop_path_rate=[0.1])
    with pytest.raises(ValueError, match='divisible'):
        Bottleneck(8, 10)


def test_basic_block_accepts_only_expansion_one():
    assert BasicBlock(8, 8, expansion=1).mid_channels == 8
    for expansion in (2, 4):
        with pytest.raises(ValueError, match='expansion'):
            BasicBlock(8, 8, expansion=expansion)
    with pytest.raises(ValueError, match='expansion'):
        ResNet(18, expansion=2)


def test_drop_path_rates_grow_linearly():
    model = ResNet(18, drop_path_rate=0.3)
    rates = [m.drop_path.drop_prob if hasattr(m.drop_path, 'drop_prob') else 0.
             for m in model.modules() if isinstance(m, BasicBlock)]
    assert rates[0] == 0. and rates[-1] == pytest.approx(0.3)
    assert rates == sorted(rates)


def test_with_cp_gives_same_gradients():
    torch.manual_seed(1)
    plain = ResNet(18, num_stages=1, out_indices=(0, ))
    cp = ResNet(18, num_stages=1, out_indices=(0, ), with_cp=True)
    cp.load_state_dict(plain.state_dict())
    x1 = X.clone().requires_grad_()
    x2 = X.clone().requires_grad_()
    plain(x1)[0].sum().backward()
    cp(x2)[0].sum().backward()
    assert torch.allclose(x1.grad, x2.grad, atol=1e-5)
