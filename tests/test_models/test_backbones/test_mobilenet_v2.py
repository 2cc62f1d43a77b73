import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import MobileNetV2

X = torch.rand(1, 3, 64, 64)


def test_mobilenet_v2_parameter_count_and_final_features():
    model = MobileNetV2()
    # torchvision's mobilenet_v2 has 3504872 parameters, 1281000 of them in the classifier
    assert sum(p.numel() for p in model.parameters()) == 3504872 - 1281000
    model.init_weights()
    feat = model(X)
    assert len(feat) == 1 and feat[0].shape == (1, 1280, 2, 2)


def test_mobilenet_v2_out_indices_and_widen_factor():
    outs = MobileNetV2(out_indices=tuple(range(8)))(X)
    assert [o.shape[1] for o in outs] == [16, 24, 32, 64, 96, 160, 320, 1280]
    assert [o.shape[2] for o in outs] == [32, 16, 8, 4, 4, 2, 2, 2]
    outs = MobileNetV2(widen_factor=0.5, out_indices=(0, 7))(X)
    assert [o.shape[1] for o in outs] == [8, 1280]
    assert MobileNetV2(widen_factor=2.0)(X)[0].shape[1] == 2560
    with pytest.raises(ValueError, match='out_indices'):
        MobileNetV2(out_indices=(8, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        MobileNetV2(frozen_stages=8)


def test_mobilenet_v2_frozen_stages_and_norm_eval():
    model = MobileNetV2(frozen_stages=2, norm_eval=True)
    model.train()
    for module in (model.conv1, model.layer1, model.layer2):
        assert not module.training
        assert all(not p.requires_grad for p in module.parameters())
    assert all(p.requires_grad for p in model.layer3.parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))


def test_mobilenet_v2_residual_blocks_and_checkpointing():
    model = MobileNetV2(with_cp=True)
    assert model.layer1[0].use_res_connect is False  # 32 -> 16 channels
    assert model.layer2[1].use_res_connect is True
    x = torch.rand(1, 3, 64, 64, requires_grad=True)  # 2x2 final maps: BN needs >1 value
    model(x)[0].sum().backward()
    assert x.grad is not None
