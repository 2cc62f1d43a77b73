import pytest
import torch

from mmcls.models.backbones import DenseNet

X = torch.rand(1, 3, 64, 64)


def test_densenet121_parameters_and_output():
    model = DenseNet('121')
    # torchvision densenet121 without its 1024 -> 1000 classifier
    assert sum(p.numel() for p in model.parameters()) == 7978856 - 1025000
    model.init_weights()
    assert model(X)[0].shape == (1, 1024, 2, 2)


def test_densenet_out_indices_custom_arch_and_errors():
    arch = dict(growth_rate=8, depths=[2, 2, 2], init_channels=16)
    model = DenseNet(arch, out_indices=(0, 1, 2))
    outs = model(X)
    # 16 + 2*8 = 32 -> 16; 16 + 16 = 32 -> 16; 16 + 16 = 32
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 8), (1, 16, 4, 4), (1, 32, 4, 4)]
    with pytest.raises(KeyError, match='missing keys'):
        DenseNet(dict(growth_rate=8))
    with pytest.raises(KeyError, match='unknown arch'):
        DenseNet('100')


def test_densenet_frozen_stages_and_memory_efficient():
    arch = dict(growth_rate=8, depths=[2, 2], init_channels=16)
    model = DenseNet(arch, frozen_stages=1, memory_efficient=True, drop_rate=0.1)
    model.train()
    assert all(not p.requires_grad for p in model.stages[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    x = torch.rand(1, 3, 32, 32, requires_grad=True)
    model(x)[0].sum().backward()
    assert x.grad is not None


def test_dense_layer_memory_efficient_matches():
    from mmcls.models.backbones.densenet import DenseBlock, DenseLayer
    torch.manual_seed(0)
    layer = DenseLayer(8, growth_rate=4, bn_size=2, memory_efficient=True)
    features = [torch.randn(2, 4, 5, 5, requires_grad=True), torch.randn(2, 4, 5, 5)]
    assert layer.any_requires_grad(features)
    assert not layer.any_requires_grad([f.detach() for f in features])
    checkpointed = layer.call_checkpoint_bottleneck(features)
    assert torch.allclose(checkpointed, layer.bottleneck_fn(features))
    layer(features).sum().backward()
    assert features[0].grad is not None
    block = DenseBlock(3, 8, bn_size=2, growth_rate=4, drop_rate=0.5)
    assert block.block[2].drop_rate == 0.5
    assert block(torch.randn(1, 8, 5, 5)).shape == (1, 20, 5, 5)
