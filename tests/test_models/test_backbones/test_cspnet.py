import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import CSPDarkNet, CSPNet, CSPResNet, CSPResNeXt
from mmcls.models.backbones.cspnet import DarknetBottleneck

X = torch.rand(1, 3, 64, 64)


def test_cspdarknet_out_indices_and_shapes():
    model = CSPDarkNet(depth=53, out_indices=(0, 1, 2, 3, 4))
    model.init_weights()
    outs = model(X)
    assert [tuple(o.shape) for o in outs] == [(1, 64, 32, 32), (1, 128, 16, 16),
                                              (1, 256, 8, 8), (1, 512, 4, 4), (1, 1024, 2, 2)]
    with pytest.raises(KeyError, match='invalid depth'):
        CSPDarkNet(depth=50)


@pytest.mark.parametrize('cls,channels', [(CSPResNet, 1024), (CSPResNeXt, 2048)])
def test_csp_resnets(cls, channels):
    model = cls(depth=50)
    out = model(X)
    assert len(out) == 1 and out[0].shape == (1, channels, 2, 2)
    assert isinstance(model.stages[0].downsample_conv, torch.nn.Identity)


def test_cspresnet_deep_stem_frozen_stages_and_norm_eval():
    model = CSPResNet(depth=50, deep_stem=True, frozen_stages=1, norm_eval=True)
    assert len(model.stem) == 3  # three convs and no max pool
    model.train()
    assert all(not p.requires_grad for p in model.stem.parameters())
    assert all(not p.requires_grad for p in model.stages[1].parameters())
    assert all(p.requires_grad for p in model.stages[2].parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))


def test_cspresnet_deep_stem_downsamples_by_two():
    x = torch.rand(1, 3, 64, 64)
    assert CSPResNet(depth=50).stem(x).shape == (1, 64, 16, 16)
    assert CSPResNet(depth=50, deep_stem=True).stem(x).shape == (1, 64, 32, 32)
    out = CSPResNet(depth=50, deep_stem=True, out_indices=(0, 3)).eval()(x)
    assert [o.shape for o in out] == [(1, 128, 32, 32), (1, 1024, 4, 4)]


def test_cspnet_generic_arch_and_drop_path():
    arch = dict(in_channels=(8, 16), out_channels=(16, 32), num_blocks=(1, 2),
                expand_ratio=(2, 1), bottle_ratio=(2, 1), has_downsampler=True,
                down_growth=True)
    model = CSPNet(arch, stem_fn=lambda c: torch.nn.Conv2d(c, 8, 3, padding=1),
                   block_fn=DarknetBottleneck, out_indices=(0, 1), drop_path_rate=0.1)
    outs = model(torch.rand(1, 3, 16, 16))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 8, 8), (1, 32, 4, 4)]
    with pytest.raises(ValueError, match='entries'):
        CSPNet(dict(arch, num_blocks=(1, 2, 3)), stem_fn=lambda c: torch.nn.Identity(),
               block_fn=DarknetBottleneck)


def test_cspnet_block_fn_per_stage_in_arch():
    from mmcls.models.backbones.cspnet import ResNetBottleneck
    arch = dict(block_fn=(DarknetBottleneck, ResNetBottleneck), in_channels=(8, 16),
                out_channels=(16, 32), num_blocks=(1, 1), expand_ratio=(2, 1),
                bottle_ratio=(2, 1), has_downsampler=True, down_growth=True)
    # arch, stem_fn, in_channels by position, as in MMClassification 1.x.
    model = CSPNet(arch, lambda c: torch.nn.Conv2d(c, 8, 3, padding=1), 3, out_indices=-1)
    assert [type(s.blocks[0]) for s in model.stages] == [DarknetBottleneck, ResNetBottleneck]
    assert model.arch['block_args'] == ({}, {})
    assert model(torch.rand(1, 3, 16, 16))[0].shape == (1, 32, 4, 4)
    arch.pop('block_fn')
    with pytest.raises(ValueError, match='block_fn'):
        CSPNet(arch, stem_fn=lambda c: torch.nn.Identity())


def test_darknet_bottleneck_use_depthwise():
    from mmcls.models.backbones.cspnet import DarknetBottleneck
    block = DarknetBottleneck(8, 8, use_depthwise=True)
    assert block.conv2.depthwise_conv.conv.groups == 4
    assert block.conv2.pointwise_conv.conv.kernel_size == (1, 1)
    x = torch.randn(1, 8, 6, 6)
    assert block(x).shape == (1, 8, 6, 6)
    plain = DarknetBottleneck(8, 8)
    assert sum(p.numel() for p in block.parameters()) < sum(p.numel() for p in plain.parameters())
