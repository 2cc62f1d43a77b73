import pytest
import torch

from mmcls.registry import MODELS

torch.manual_seed(0)


@pytest.mark.parametrize('dim,shape', [(1, (2, 4, 5)), (2, (2, 4, 5, 6)), (3, (2, 4, 3, 3, 3))])
def test_gap_dims(dim, shape):
    neck = MODELS.build(dict(type='GlobalAveragePooling', dim=dim))
    x = torch.rand(*shape)
    out = neck(x)
    assert out.shape == (2, 4)
    assert torch.allclose(out, x.flatten(2).mean(-1))


def test_gap_tuple_and_errors():
    neck = MODELS.build(dict(type='GlobalAveragePooling'))
    outs = neck((torch.rand(2, 3, 4, 4), torch.rand(2, 8, 2, 2)))
    assert [o.shape for o in outs] == [(2, 3), (2, 8)]
    with pytest.raises(TypeError, match='tensor or a tuple'):
        neck([torch.rand(2, 3, 4, 4)])
    with pytest.raises(ValueError, match='dim'):
        MODELS.build(dict(type='GlobalAveragePooling', dim=4))


def test_gem_pooling():
    x = torch.rand(2, 3, 4, 4) + 0.1
    avg = MODELS.build(dict(type='GeneralizedMeanPooling', p=1.))
    assert torch.allclose(avg(x), x.mean(dim=(2, 3)), atol=1e-6)
    gem = MODELS.build(dict(type='GeneralizedMeanPooling', p=3.))
    expected = (x ** 3).mean(dim=(2, 3)) ** (1 / 3)
    outs = gem((x, x))
    assert len(outs) == 2 and torch.allclose(outs[1], expected, atol=1e-6)
    assert gem.p.requires_grad  # rc6's default: p is learned
    assert not MODELS.build(dict(type='GeneralizedMeanPooling', p_trainable=False)).p.requires_grad
    with pytest.raises(ValueError, match='p must be >= 1'):
        MODELS.build(dict(type='GeneralizedMeanPooling', p=0.5))


def test_linear_reduction():
    neck = MODELS.build(dict(type='LinearReduction', in_channels=8, out_channels=4,
                             act_cfg=dict(type='ReLU')))
    out = neck((torch.rand(3, 8), torch.rand(3, 8)))
    assert isinstance(out, tuple) and out[0].shape == (3, 4)
    assert (out[0] >= 0).all()  # ReLU
    default = MODELS.build(dict(type='LinearReduction', in_channels=8, out_channels=4))
    assert isinstance(default.act, torch.nn.Identity)  # no activation unless asked
    assert set(neck.state_dict()) >= {'reduction.weight', 'norm.weight', 'norm.running_var'}
    plain = MODELS.build(
        dict(type='LinearReduction', in_channels=8, out_channels=4, norm_cfg=None, act_cfg=None))
    x = torch.rand(3, 8)
    assert torch.allclose(plain(x)[0], plain.reduction(x))


def test_hr_fuse_scales():
    neck = MODELS.build(dict(type='HRFuseScales', in_channels=(4, 8, 16, 32), out_channels=64))
    feats = tuple(torch.rand(1, c, s, s) for c, s in zip((4, 8, 16, 32), (16, 8, 4, 2)))
    out = neck(feats)
    assert len(out) == 1 and out[0].shape == (1, 64, 2, 2)
    assert 'increase_layers.0.0.conv1.weight' in neck.state_dict()
    with pytest.raises(TypeError, match='tuple of 4'):
        neck(feats[:3])
