import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import ShuffleNetV2

X = torch.rand(1, 3, 64, 64)


@pytest.mark.parametrize('widen_factor,channels', [(0.5, [48, 96, 192, 1024]),
                                                   (1.0, [116, 232, 464, 1024]),
                                                   (2.0, [244, 488, 976, 2048])])
def test_shufflenet_v2_widths(widen_factor, channels):
    model = ShuffleNetV2(widen_factor=widen_factor, out_indices=(0, 1, 2, 3))
    model.init_weights()
    outs = model(X)
    assert [o.shape[1] for o in outs] == channels
    assert [o.shape[2] for o in outs] == [8, 4, 2, 2]


def test_shufflenet_v2_parameters_and_errors():
    # torchvision shufflenet_v2_x1_0 without its 1024 -> 1000 classifier
    assert sum(p.numel() for p in ShuffleNetV2().parameters()) == 2278604 - 1025000
    with pytest.raises(ValueError, match='widen_factor'):
        ShuffleNetV2(widen_factor=0.75)
    with pytest.raises(ValueError, match='frozen_stages'):
        ShuffleNetV2(frozen_stages=4)


def test_shufflenet_v2_frozen_stages_and_norm_eval():
    model = ShuffleNetV2(frozen_stages=2, norm_eval=True)
    model.train()
    assert all(not p.requires_grad for p in model.conv1.parameters())
    for layer in model.layers[:2]:
        assert not layer.training
        assert all(not p.requires_grad for p in layer.parameters())
    assert all(p.requires_grad for p in model.layers[2].parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))
