"""ConvMixer: isotropic blocks, out_indices over blocks, residual spatial mixing, freezing."""
import pytest
import torch

from mmcls.models.backbones.convmixer import ConvMixer


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(embed_dims=16, depth=3, patch_size=4, kernel_size=3)


def test_every_block_keeps_the_patch_resolution():
    model = ConvMixer(TINY, out_indices=(0, 1, 2)).eval()
    outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 8, 8)] * 3
    last, = ConvMixer(TINY).eval()(torch.randn(1, 3, 32, 32))
    assert last.shape == (1, 16, 8, 8)


def test_zoo_archs_and_activation_option():
    model = ConvMixer('768/32', act_cfg=dict(type='ReLU'))
    assert model.depth == 32 and isinstance(model.stem[1], torch.nn.ReLU)
    assert ConvMixer('1024/20').arch['patch_size'] == 14
    with pytest.raises(KeyError, match='arch'):
        ConvMixer('512/8')


def test_depthwise_branch_is_residual():
    model = ConvMixer(TINY).eval()
    block = model.stages[0]
    x = torch.randn(1, 16, 5, 5)
    with torch.no_grad():
        torch.testing.assert_close(block[0](x), block[0].fn(x) + x)


def test_frozen_stages():
    model = ConvMixer(TINY, frozen_stages=2)
    model.train()
    assert not model.stem.training and not model.stages[1].training
    assert all(not p.requires_grad for p in model.stages[1].parameters())
    assert all(p.requires_grad for p in model.stages[2].parameters())
    with pytest.raises(ValueError, match='frozen_stages'):
        ConvMixer(TINY, frozen_stages=4)
