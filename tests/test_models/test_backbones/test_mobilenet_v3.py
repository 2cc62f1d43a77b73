import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import MobileNetV3

X = torch.rand(1, 3, 64, 64)


@pytest.mark.parametrize('arch,channels', [('small', 576), ('small_075', 432),
                                           ('small_050', 288), ('large', 960)])
def test_mobilenet_v3_archs(arch, channels):
    model = MobileNetV3(arch=arch)
    model.init_weights()
    feat = model(X)
    assert len(feat) == 1 and feat[0].shape == (1, channels, 2, 2)
    assert model.feat_dim == channels


def test_mobilenet_v3_out_indices_and_errors():
    outs = MobileNetV3(arch='small', out_indices=tuple(range(13)))(X)
    assert len(outs) == 13
    assert [o.shape[1] for o in outs][:4] == [16, 16, 24, 24]
    assert len(MobileNetV3(arch='large').layers) == 17
    with pytest.raises(KeyError, match='unknown arch'):
        MobileNetV3(arch='tiny')
    with pytest.raises(ValueError, match='out_indices'):
        MobileNetV3(arch='small', out_indices=(13, ))


def test_mobilenet_v3_frozen_stages_and_norm_eval():
    model = MobileNetV3(frozen_stages=1, norm_eval=True)
    model.train()
    for module in (model.layer0, model.layer1):
        assert all(not p.requires_grad for p in module.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))


def test_mobilenet_v3_se_and_hswish():
    model = MobileNetV3(arch='small')
    assert model.layer1.with_se and not model.layer2.with_se
    assert type(model.layer0.activate).__name__ == 'HSwish'
