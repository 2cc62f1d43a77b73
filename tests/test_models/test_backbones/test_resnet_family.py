import pytest
import torch

from mmcls.models.backbones import LeNet5, ResNeXt, ResNet_CIFAR, SEResNet, SEResNeXt

X = torch.rand(1, 3, 32, 32)


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_resnet_cifar_keeps_resolution():
    model = ResNet_CIFAR(depth=18, out_indices=(0, 3))
    outs = model(X)
    assert [tuple(o.shape) for o in outs] == [(1, 64, 32, 32), (1, 512, 4, 4)]
    assert model.conv1.kernel_size == (3, 3) and not hasattr(model, 'maxpool')
    with pytest.raises(ValueError, match='deep_stem'):
        ResNet_CIFAR(depth=18, deep_stem=True)


def test_resnext_grouped_bottleneck():
    model = ResNeXt(depth=50, groups=32, width_per_group=4)
    conv2 = model.layer1[0].conv2
    assert conv2.groups == 32 and tuple(conv2.weight.shape) == (128, 4, 3, 3)
    assert count(model) == 25028904 - 2049000  # the zoo model (25.03M) minus its fc
    assert model.eval()(X)[0].shape == (1, 2048, 1, 1)
    with pytest.raises(KeyError, match='invalid depth'):
        ResNeXt(depth=18)


def test_seresnet_and_seresnext():
    model = SEResNet(depth=50)
    se = model.layer1[0].se_layer
    assert tuple(se.conv1.conv.weight.shape) == (16, 256, 1, 1)
    assert model.eval()(X)[0].shape == (1, 2048, 1, 1)
    gate = se.conv2(se.conv1(se.global_avgpool(torch.rand(1, 256, 4, 4))))
    assert ((gate >= 0) & (gate <= 1)).all()  # sigmoid gate
    model = SEResNeXt(depth=50, groups=32, width_per_group=4)
    assert model.layer1[0].conv2.groups == 32 and hasattr(model.layer1[0], 'se_layer')
    assert model.eval()(X)[0].shape == (1, 2048, 1, 1)


def test_lenet5():
    model = LeNet5(num_classes=10)
    out = model(torch.rand(1, 1, 32, 32))
    assert len(out) == 1 and out[0].shape == (1, 10)
    assert count(model) == 61706
    features = LeNet5()(torch.rand(2, 1, 32, 32))[0]
    assert features.shape == (2, 120, 1, 1)
