import pytest
import torch

from mmcls.models.backbones import Res2Net
from mmcls.models.backbones.res2net import Bottle2neck

X = torch.rand(1, 3, 64, 64)


def test_res2net_zoo_arch_parameters():
    model = Res2Net(depth=50, scales=8, base_width=14, deep_stem=False, avg_down=False)
    # reference res2net50-w14-s8 has 25059816 parameters with its 2048 -> 1000 classifier
    assert sum(p.numel() for p in model.parameters()) == 25059816 - 2049000
    block = model.layer1[0]
    assert isinstance(block, Bottle2neck) and block.width == 14 and len(block.convs) == 7
    assert block.stage_type == 'stage' and model.layer1[1].stage_type == 'normal'


def test_res2net_out_indices_and_default_stem():
    model = Res2Net(depth=50, out_indices=(0, 1, 2, 3))
    model.init_weights()
    assert hasattr(model, 'stem')  # deep stem by default
    outs = model(X)
    assert [tuple(o.shape) for o in outs] == [(1, 256, 16, 16), (1, 512, 8, 8),
                                              (1, 1024, 4, 4), (1, 2048, 2, 2)]
    assert torch.all(model.layer1[0].norm3.weight == 0)  # zero-init residual


def test_res2net_frozen_stages_and_errors():
    model = Res2Net(depth=50, frozen_stages=1)
    model.train()
    assert all(not p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    with pytest.raises(ValueError, match='scales'):
        Bottle2neck(64, 256, scales=1)
