"""OptimWrapper / AmpOptimWrapper / OptimWrapperDict behaviour on tiny models."""
import contextlib
import math

import pytest
import torch
from torch import nn

from mmcls.engine.optimizers import AmpOptimWrapper, OptimWrapper, OptimWrapperDict


def _linear(weight=2.0):
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(weight)
    return model


def _sgd(model, lr=0.1, **kwargs):
    return torch.optim.SGD(model.parameters(), lr=lr, **kwargs)


def test_update_params_steps_and_zeroes():
    model = _linear()
    wrapper = OptimWrapper(_sgd(model))
    loss = (model(torch.ones(1, 1)) ** 2).sum()  # d/dw (w^2) = 2w = 4
    wrapper.update_params(loss)
    assert model.weight.item() == pytest.approx(2.0 - 0.1 * 4)
    assert model.weight.grad is None or model.weight.grad.abs().sum() == 0
    assert wrapper.inner_count == 1


def test_accumulation_matches_mean_of_batches():
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    ref = _linear()
    ref_opt = _sgd(ref)
    (ref(x) ** 2).mean().backward()
    ref_opt.step()

    model = _linear()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=2)
    wrapper.update_params((model(x[:2]) ** 2).mean())
    assert model.weight.item() == 2.0  # no step inside the group
    wrapper.update_params((model(x[2:]) ** 2).mean())
    assert model.weight.item() == pytest.approx(ref.weight.item())


def test_last_incomplete_group_is_scaled_by_its_size():
    # 5 iterations, groups of 2: the last group has one iteration and must not be halved.
    model = _linear()
    wrapper = OptimWrapper(_sgd(model, lr=0.01), accumulative_counts=2)
    wrapper.initialize_count_status(model, 0, 5)
    losses, steps = [], []
    for _ in range(5):
        loss = model(torch.ones(1, 1)).sum()  # gradient 1 per iteration
        losses.append(wrapper.scale_loss(loss).item() / loss.item())
        before = model.weight.item()
        wrapper.update_params(loss)
        steps.append(before - model.weight.item())
    assert losses == [0.5, 0.5, 0.5, 0.5, 1.0]
    assert steps == pytest.approx([0, 0.01, 0, 0.01, 0.01])


def test_resume_count_status_and_should_update():
    model = _linear()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=4)
    with pytest.warns(UserWarning, match='not a multiple'):
        wrapper.initialize_count_status(model, 6, 10)
    assert wrapper.inner_count == 6
    assert not wrapper.should_update()
    assert not wrapper.should_sync()  # the 7th backward is inside the group 5..8
    wrapper.backward(model(torch.ones(1, 1)).sum())
    assert wrapper.should_sync()  # the 8th closes the group
    wrapper.backward(model(torch.ones(1, 1)).sum())
    assert wrapper.should_update()
    wrapper.backward(model(torch.ones(1, 1)).sum())
    assert wrapper.should_sync()  # the 10th is the last of training
    assert not wrapper.should_update()


def test_batchnorm_accumulation_warns():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=2)
    with pytest.warns(UserWarning, match='BatchNorm'):
        wrapper.initialize_count_status(model, 0, 4)


class _FakeDDP(nn.Module):
    def __init__(self):
        super().__init__()
        self.synced = None

    @contextlib.contextmanager
    def no_sync(self):
        self.synced = False
        yield


def test_optim_context_skips_sync_inside_group():
    model = _linear()
    wrapper = OptimWrapper(_sgd(model), accumulative_counts=2)
    ddp = _FakeDDP()
    with wrapper.optim_context(ddp):
        pass
    assert ddp.synced is False  # first backward of a group of 2: no all-reduce
    wrapper._inner_count = 1
    ddp.synced = None
    with wrapper.optim_context(ddp):
        pass
    assert ddp.synced is None


def test_clip_grad_norm_and_recorded_norm():
    model = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, 4.0]]))
    wrapper = OptimWrapper(_sgd(model, lr=1.0), clip_grad=dict(max_norm=1.0, norm_type=2))
    loss = 0.5 * (model.weight ** 2).sum()  # gradient = weight, norm 5
    wrapper.update_params(loss)
    assert wrapper.last_grad_norm == pytest.approx(5.0)
    assert model.weight.detach()[0].tolist() == pytest.approx([3.0 - 0.6, 4.0 - 0.8])


def test_clip_grad_value():
    model = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, 0.5]]))
    wrapper = OptimWrapper(_sgd(model, lr=1.0), clip_grad=dict(type='value', clip_value=1.0))
    wrapper.update_params(0.5 * (model.weight ** 2).sum())
    assert model.weight.detach()[0].tolist() == pytest.approx([2.0, 0.0])
    assert wrapper.last_grad_norm == pytest.approx(math.hypot(3.0, 0.5))


@pytest.mark.parametrize('clip_grad, error', [
    (dict(type='nope', max_norm=1), ValueError),
    (dict(norm_type=2), KeyError),
    (dict(type='value'), KeyError),
    ([1], TypeError),
])
def test_bad_clip_grad(clip_grad, error):
    with pytest.raises(error, match='clip_grad'):
        OptimWrapper(_sgd(_linear()), clip_grad=clip_grad)


def test_bad_arguments():
    with pytest.raises(TypeError, match='torch.optim.Optimizer'):
        OptimWrapper(object())
    with pytest.raises(ValueError, match='accumulative_counts'):
        OptimWrapper(_sgd(_linear()), accumulative_counts=0)


def test_lr_momentum_and_state_dict_roundtrip():
    model = nn.Linear(2, 2)
    sgd = OptimWrapper(torch.optim.SGD([{'params': [model.weight]},
                                        {'params': [model.bias], 'lr': 0.5}],
                                       lr=0.1, momentum=0.9))
    assert sgd.get_lr() == {'lr': [0.1, 0.5]}
    assert sgd.get_momentum() == {'momentum': [0.9, 0.9]}
    adam = OptimWrapper(torch.optim.Adam(model.parameters(), betas=(0.8, 0.99)))
    assert adam.get_momentum() == {'momentum': [0.8]}
    rprop = OptimWrapper(torch.optim.Rprop(model.parameters()))
    assert rprop.get_momentum() == {'momentum': [0]}

    sgd.update_params(model(torch.ones(1, 2)).sum())
    state = sgd.state_dict()
    other = OptimWrapper(torch.optim.SGD([{'params': [model.weight]},
                                          {'params': [model.bias], 'lr': 0.5}],
                                         lr=0.1, momentum=0.9))
    other.load_state_dict(state)
    buf = other.optimizer.state[model.weight]['momentum_buffer']
    assert torch.equal(buf, sgd.optimizer.state[model.weight]['momentum_buffer'])


def test_amp_bf16_on_cpu_autocasts_without_scaler():
    model = nn.Linear(4, 4)
    wrapper = AmpOptimWrapper(_sgd(model))
    assert wrapper.cast_dtype == torch.bfloat16 and wrapper.loss_scaler is None
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().sum())
    assert not torch.equal(before, model.weight)
    assert 'loss_scaler' not in wrapper.state_dict()


def test_amp_float16_uses_scaler_and_saves_it():
    model = nn.Linear(4, 4)
    wrapper = AmpOptimWrapper(_sgd(model), loss_scale=512.0, dtype='float16')
    assert wrapper.loss_scaler is not None and wrapper.loss_scaler.get_scale() == 512.0
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.float16
    wrapper.update_params(out.float().sum())
    state = wrapper.state_dict()
    assert state['loss_scaler']['scale'] == 512.0  # a fixed loss scale stays fixed
    other = AmpOptimWrapper(_sgd(model), loss_scale='dynamic', dtype='float16')
    other.load_state_dict(state)
    assert other.loss_scaler.get_scale() == 512.0


def test_amp_rejects_bad_arguments():
    with pytest.raises(ValueError, match='dtype'):
        AmpOptimWrapper(_sgd(_linear()), dtype='float64')
    with pytest.raises(TypeError, match='loss_scale'):
        AmpOptimWrapper(_sgd(_linear()), loss_scale='static', dtype='float16')


def test_optim_wrapper_dict():
    gen, disc = nn.Linear(1, 1), nn.Linear(1, 1)
    wrappers = OptimWrapperDict(gen=OptimWrapper(_sgd(gen, lr=0.1)),
                                disc=OptimWrapper(_sgd(disc, lr=0.2, momentum=0.5)))
    assert wrappers.get_lr() == {'gen.lr': [0.1], 'disc.lr': [0.2]}
    assert wrappers.get_momentum() == {'gen.momentum': [0], 'disc.momentum': [0.5]}
    assert len(wrappers) == 2 and 'gen' in wrappers and list(wrappers.keys()) == ['gen', 'disc']
    wrappers['gen'].update_params(gen(torch.ones(1, 1)).sum())
    state = wrappers.state_dict()
    assert set(state) == {'gen', 'disc'}
    wrappers.load_state_dict(state)
    with pytest.raises(RuntimeError, match=r"optim_wrapper\['gen'\]"):
        wrappers.update_params(torch.tensor(1.0))
    with pytest.raises(KeyError, match='unknown wrapper'):
        wrappers.load_state_dict({'nope': {}})
    with pytest.raises(TypeError, match='must be an OptimWrapper'):
        OptimWrapperDict(gen=_sgd(gen))


def test_amp_unscales_before_clipping():
    model = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, 4.0]]))
    wrapper = AmpOptimWrapper(_sgd(model, lr=1.0), loss_scale=1024.0, dtype='float16',
                              clip_grad=dict(max_norm=1.0))
    wrapper.update_params(0.5 * (model.weight ** 2).sum())  # true gradient norm 5
    assert wrapper.last_grad_norm == pytest.approx(5.0)
    assert model.weight.detach()[0].tolist() == pytest.approx([2.4, 3.2])


def test_amp_skips_the_step_on_overflow():
    model = _linear()
    wrapper = AmpOptimWrapper(_sgd(model), loss_scale='dynamic', dtype='float16')
    scale = wrapper.loss_scaler.get_scale()
    wrapper.update_params(model(torch.ones(1, 1)).sum() * float('inf'))
    assert model.weight.item() == 2.0  # inf gradients: no update
    assert wrapper.loss_scaler.get_scale() == scale * 0.5
