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
