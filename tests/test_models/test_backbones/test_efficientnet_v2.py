import pytest
import torch

from mmcls.models.backbones import EfficientNetV2
from mmcls.models.backbones.efficientnet import EdgeResidual
from mmcls.models.backbones.efficientnet_v2 import EnhancedConvModule
from mmcls.models.utils import InvertedResidual

X = torch.rand(1, 3, 64, 64)


def test_efficientnetv2_b0_structure_and_output():
    model = EfficientNetV2(arch='b0')
    # reference b0 has 7139704 parameters including the 1280 -> 1000 classifier
    assert sum(p.numel() for p in model.parameters()) == 7139704 - 1281000
    assert isinstance(model.layers[1][0], EnhancedConvModule)
    assert isinstance(model.layers[2][0], EdgeResidual)
    assert isinstance(model.layers[4][0], InvertedResidual)
    model.init_weights()
    assert model(X)[0].shape == (1, 1280, 2, 2)


def test_efficientnetv2_out_indices_and_frozen_stages():
    model = EfficientNetV2(arch='b0', out_indices=(0, 3, -1), frozen_stages=2)
    outs = model(X)
    assert [tuple(o.shape) for o in outs] == [(1, 32, 32, 32), (1, 48, 8, 8), (1, 1280, 2, 2)]
    model.train()
    assert all(not p.requires_grad for p in model.layers[1].parameters())
    assert all(p.requires_grad for p in model.layers[2].parameters())
    with pytest.raises(KeyError, match='unknown arch'):
        EfficientNetV2(arch='xxl')


def test_enhanced_conv_module_skip():
    block = EnhancedConvModule(8, 8, 3, padding=1, has_skip=True, norm_cfg=dict(type='BN'))
    x = torch.rand(1, 8, 5, 5)
    block.eval()
    assert torch.allclose(block(x), x + block.activate(block.bn(block.conv(x))))
    with pytest.raises(ValueError, match='skip'):
        EnhancedConvModule(8, 16, 3, has_skip=True)
