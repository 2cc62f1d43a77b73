import pytest
import torch

from mmcls.models.backbones import EfficientNet
from mmcls.models.backbones.efficientnet import EdgeResidual, model_scaling

X = torch.rand(1, 3, 64, 64)


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_efficientnet_b0_parameters_and_output():
    model = EfficientNet(arch='b0')
    # reference b0 has 5288548 parameters including the 1280 -> 1000 classifier
    assert count(model) == 5288548 - 1281000
    model.init_weights()
    feat = model(X)
    assert len(feat) == 1 and feat[0].shape == (1, 1280, 2, 2)


def test_efficientnet_model_scaling():
    from mmcls.models.backbones.efficientnet import layer_settings
    b0 = model_scaling(layer_settings['b'], (1.0, 1.0, 224))
    # 80- and 112-channel runs share a stage, as do the 192- and 320-channel runs
    assert [len(stage) for stage in b0] == [1, 1, 2, 2, 6, 5, 1]
    b4 = model_scaling(layer_settings['b'], (1.4, 1.8, 380))
    assert b4[-1][0][1] == 1792  # width scaling of the head conv
    assert [len(stage) for stage in b4][1:-1] == [2, 4, 4, 12, 10]  # ceil(1.8 * n) per run


def test_efficientnet_out_indices_frozen_stages_and_tf_padding():
    model = EfficientNet(arch='b0', out_indices=(0, 2, 4, 6), frozen_stages=2)
    outs = model(torch.rand(1, 3, 67, 67))  # odd size: 'SAME' padding gives ceil(67/2)=34
    assert [tuple(o.shape) for o in outs] == [(1, 32, 34, 34), (1, 24, 17, 17),
                                              (1, 112, 5, 5), (1, 1280, 3, 3)]
    model.train()
    assert all(not p.requires_grad for p in model.layers[1].parameters())
    assert all(p.requires_grad for p in model.layers[2].parameters())
    # stages after the last out index are not built
    assert len(EfficientNet(arch='b0', out_indices=(3, )).layers) == 4
    with pytest.raises(KeyError, match='unknown arch'):
        EfficientNet(arch='b9')


def test_efficientnet_edgetpu_uses_edge_residual_blocks():
    model = EfficientNet(arch='es')
    assert isinstance(model.layers[1][0], EdgeResidual)
    assert model(X)[0].shape == (1, 1280, 2, 2)


def test_efficientnet_drop_path_in_training():
    model = EfficientNet(arch='b0', drop_path_rate=0.2)
    model.train()
    x = torch.rand(2, 3, 32, 32)
    torch.manual_seed(0)
    a = model(x)[0]
    model.eval()
    b = model(x)[0]
    assert not torch.allclose(a, b)
