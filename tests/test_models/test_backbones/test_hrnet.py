"""HRNet: four-resolution outputs, custom archs, multiscale_output, norm_eval, and the neck."""
import pytest
import torch
import torch.nn as nn

from mmcls.models.backbones.hrnet import HRModule, HRNet
from mmcls.models.backbones.resnet import BasicBlock
from mmcls.models.necks.hr_fuse import HRFuseScales


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                num_channels=(8, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                num_channels=(4, 8)),
    stage3=dict(num_modules=2, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                num_channels=(4, 8, 16)),
    stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                num_channels=(4, 8, 16, 32)))


def test_outputs_are_four_resolutions_fine_to_coarse():
    model = HRNet(extra=TINY).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 4, 16, 16), (1, 8, 8, 8), (1, 16, 4, 4),
                                              (1, 32, 2, 2)]
    assert model.out_channels == [4, 8, 16, 32]


def test_single_scale_output_keeps_the_finest_branch():
    outs = HRNet(extra=TINY, multiscale_output=False).eval()(torch.randn(1, 3, 64, 64))
    assert len(outs) == 1 and outs[0].shape == (1, 4, 16, 16)


def test_zoo_arch_widths_and_bad_arch():
    model = HRNet('w18')
    assert model.stage4[0].in_channels == [18, 36, 72, 144]
    with pytest.raises(KeyError, match='arch'):
        HRNet('w99')
    with pytest.raises(ValueError, match='stage2'):
        HRNet(extra=dict(TINY, stage2=dict(num_modules=1)))


def test_hrmodule_fuses_every_branch_into_every_output():
    module = HRModule(2, BasicBlock, (1, 1), [4, 8], (4, 8)).eval()
    outs = module([torch.randn(1, 4, 8, 8), torch.randn(1, 8, 4, 4)])
    assert [tuple(o.shape) for o in outs] == [(1, 4, 8, 8), (1, 8, 4, 4)]
    assert module.fuse_layers[0][0] is None and module.fuse_layers[1][1] is None
    with pytest.raises(ValueError, match='num_blocks'):
        HRModule(2, BasicBlock, (1, ), [4, 8], (4, 8))


def test_norm_eval_keeps_batch_norms_frozen():
    model = HRNet(extra=TINY, norm_eval=True).train()
    assert all(not m.training for m in model.modules() if isinstance(m, nn.BatchNorm2d))


def test_hrfuse_neck_on_backbone_output():
    model = HRNet(extra=TINY).eval()
    neck = HRFuseScales(in_channels=(4, 8, 16, 32), out_channels=64).eval()
    out, = neck(model(torch.randn(1, 3, 64, 64)))
    assert out.shape == (1, 64, 2, 2)


def test_hrnet_parse_arch_reads_the_arch_zoo():
    model = HRNet(arch='w18')
    stages = model.parse_arch('w18')
    assert stages['stage4']['num_channels'] == (18, 36, 72, 144)
    assert model.blocks_dict[stages['stage1']['block']].__name__ == 'Bottleneck'
    assert model.parse_arch('w18', extra=stages) is stages
    assert set(HRNet.arch_zoo) == {'w18', 'w30', 'w32', 'w40', 'w44', 'w48', 'w64'}
