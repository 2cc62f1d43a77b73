import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import ShuffleNetV1

X = torch.rand(1, 3, 64, 64)


@pytest.mark.parametrize('groups,channels', [(1, 576), (3, 960), (8, 1536)])
def test_shufflenet_v1_groups(groups, channels):
    model = ShuffleNetV1(groups=groups, out_indices=(0, 1, 2))
    model.init_weights()
    outs = model(X)
    assert [o.shape[1] for o in outs] == [channels // 4, channels // 2, channels]
    assert [o.shape[2] for o in outs] == [8, 4, 2]


def test_shufflenet_v1_widen_factor_and_errors():
    assert ShuffleNetV1(widen_factor=0.5)(X)[0].shape[1] == 480
    with pytest.raises(ValueError, match='groups'):
        ShuffleNetV1(groups=5)
    with pytest.raises(ValueError, match='out_indices'):
        ShuffleNetV1(out_indices=(3, ))


def test_shufflenet_v1_frozen_stages_norm_eval_and_init():
    model = ShuffleNetV1(frozen_stages=1, norm_eval=True)
    model.init_weights()
    assert torch.allclose(model.layers[0][0].g_conv_1x1_compress.bn.bias,
                          torch.full((60, ), 1e-4))
    model.train()
    assert all(not p.requires_grad for p in model.conv1.parameters())
    assert all(not p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))


def test_shufflenet_v1_checkpointing():
    model = ShuffleNetV1(with_cp=True)
    x = torch.rand(1, 3, 64, 64, requires_grad=True)  # 2x2 final maps: BN needs >1 value
    model(x)[0].sum().backward()
    assert x.grad is not None
