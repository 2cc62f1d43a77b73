"""PoolFormer: network layout, out_indices over stages and downsamplings, freezing."""
import pytest
import torch

from mmcls.models.backbones.poolformer import Pooling, PoolFormer


@pytest.fixture(autouse=True)
def _seed_everything():
    """Random initial weights and inputs are the same on every run."""
    torch.manual_seed(0)


TINY = dict(layers=[1, 1, 1, 1], embed_dims=[8, 16, 24, 32], mlp_ratios=[2, 2, 2, 2],
            layer_scale_init_value=1e-5)


def test_default_output_is_last_stage_normalised():
    model = PoolFormer(TINY).eval()
    out, = model(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 32, 2, 2)
    assert hasattr(model, 'norm6') and len(model.network) == 7


def test_out_indices_index_stages_and_downsamplings():
    model = PoolFormer(TINY, out_indices=(0, 1, 2, 4, 6)).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 16, 8, 8),
                                              (1, 24, 4, 4), (1, 32, 2, 2)]
    with pytest.raises(ValueError, match='out of range'):
        PoolFormer(TINY, out_indices=7)


def test_pooling_mixer_is_zero_on_constant_input():
    x = torch.ones(1, 4, 5, 5)
    assert torch.allclose(Pooling(3)(x), torch.zeros_like(x))


def test_frozen_stages_follow_the_reference_semantics():
    default = PoolFormer(TINY)
    default.train()
    assert all(not p.requires_grad for p in default.patch_embed.parameters())
    assert all(p.requires_grad for p in default.network[0].parameters())
    model = PoolFormer(TINY, frozen_stages=2)
    model.train()
    assert not model.network[1].training and model.network[2].training
    assert all(p.requires_grad for p in PoolFormer(TINY, frozen_stages=-1).parameters())


def test_zoo_arch_and_errors():
    assert PoolFormer('m36').arch['embed_dims'][-1] == 768
    with pytest.raises(KeyError, match='arch'):
        PoolFormer('x99')
