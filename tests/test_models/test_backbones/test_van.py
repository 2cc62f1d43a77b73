"""VAN: arch sizes (the published parameter counts), outputs, LKA gating, freezing, norm_eval."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.backbones.van import LKA, VAN


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(embed_dims=[8, 16, 24, 32], depths=[1, 1, 2, 1], ffn_ratios=[2, 2, 2, 2])


@pytest.mark.parametrize('arch,width,millions', [('tiny', 256, 4.11), ('small', 512, 13.86)])
def test_zoo_sizes_match_the_seed_table(arch, width, millions):
    model = VAN(arch)
    params = sum(p.numel() for p in model.parameters()) + width * 1000 + 1000
    assert round(params / 1e6, 2) == millions


def test_out_indices_shapes():
    model = VAN(TINY, out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 24, 4, 4),
                                              (1, 32, 2, 2)]
    with pytest.raises(ValueError, match='patch_sizes'):
        VAN(TINY, patch_sizes=(7, 3))


def test_lka_is_a_multiplicative_gate():
    lka = LKA(4)
    x = torch.randn(1, 4, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(lka(x), x * lka.conv1(lka.DW_D_conv(lka.DW_conv(x))))
        assert torch.equal(lka(torch.zeros_like(x)), torch.zeros_like(x))


def test_frozen_stages_and_norm_eval():
    model = VAN(TINY, frozen_stages=1, norm_eval=True)  # index of the last frozen stage
    model.train()
    assert not model.blocks2.training and not model.norm2.training
    assert all(not p.requires_grad for p in model.patch_embed1.parameters())
    assert all(p.requires_grad for p in model.blocks3.parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    with pytest.raises(ValueError, match='frozen_stages'):
        VAN(TINY, frozen_stages=4)
