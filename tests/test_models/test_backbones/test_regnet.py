import pytest
import torch

from mmcls.models.backbones import RegNet
from mmcls.models.backbones.regnet import generate_regnet

X = torch.rand(1, 3, 64, 64)


def test_regnet_width_generation():
    widths, num_stages = generate_regnet(24, 24.48, 2.54, 22)
    assert num_stages == 4 and len(widths) == 22
    # raw quantised widths; adjust_width_group later makes them multiples of the group width
    assert sorted(set(widths)) == [24, 64, 152, 392]


@pytest.mark.parametrize('arch,widths,blocks', [
    ('regnetx_400mf', [32, 64, 160, 384], [1, 2, 7, 12]),
    ('regnetx_800mf', [64, 128, 288, 672], [1, 3, 7, 5]),
])
def test_regnet_stages(arch, widths, blocks):
    model = RegNet(arch, out_indices=(0, 1, 2, 3))
    assert model.stage_widths == widths and model.stage_blocks == blocks
    model.init_weights()
    outs = model(X)
    assert [o.shape[1] for o in outs] == widths
    assert [o.shape[2] for o in outs] == [16, 8, 4, 2]  # stride-2 stem, no max-pool


def test_regnet_custom_arch_frozen_stages_and_errors():
    arch = dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, bot_mul=1.0)
    model = RegNet(arch, frozen_stages=1)
    model.train()
    assert all(not p.requires_grad for p in model.layer1.parameters())
    assert all(not p.requires_grad for p in model.conv1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert model(X)[0].shape == (1, 384, 2, 2)
    with pytest.raises(KeyError, match='unknown arch'):
        RegNet('regnety_400mf')
