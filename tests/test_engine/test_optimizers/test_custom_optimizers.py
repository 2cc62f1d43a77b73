"""Lamb, LARS and Adan against updates computed by hand on two-element tensors."""
import math

import pytest
import torch

from mmcls.engine.optimizers import LARS, Adan, Lamb
from mmcls.registry import OPTIMIZERS


def _param(values):
    return torch.nn.Parameter(torch.tensor(values, dtype=torch.float64))


def _step(optimizer, param, grad):
    param.grad = torch.tensor(grad, dtype=torch.float64)
    optimizer.step()


def test_seed_signature_defaults():
    # eps=1e-06, weight_decay=0.01 (the signature, not the prose)
    opt = Lamb([_param([1.0])])
    d = opt.defaults
    assert (d['lr'], d['eps'], d['weight_decay'], d['betas']) == (1e-3, 1e-6, 0.01, (0.9, 0.999))
    assert d['bias_correction'] and d['grad_averaging'] and d['max_grad_norm'] == 1.0
    assert not d['trust_clip'] and not d['always_adapt']
    for name in ('Lamb', 'LARS', 'Adan', 'SGD', 'AdamW'):
        assert name in OPTIMIZERS


def test_lamb_first_step_by_hand():
    w = _param([3.0, 4.0])
    opt = Lamb([w], lr=0.1)
    _step(opt, w, [3.0, 4.0])  # global norm 5 > max_grad_norm 1 -> grad becomes [0.6, 0.8]
    # first step with bias correction: m_hat = g, v_hat = g^2, so adam = g / (|g| + eps)
    adam = [0.6 / (0.6 + 1e-6), 0.8 / (0.8 + 1e-6)]
    update = [adam[0] + 0.01 * 3.0, adam[1] + 0.01 * 4.0]
    trust = 5.0 / math.hypot(*update)
    expected = [3.0 - 0.1 * trust * update[0], 4.0 - 0.1 * trust * update[1]]
    assert w.tolist() == pytest.approx(expected, rel=1e-12)


def test_lamb_without_decay_skips_trust_ratio_unless_always_adapt():
    w = _param([3.0, 4.0])
    _step(Lamb([w], lr=0.1, weight_decay=0.), w, [0.3, -0.4])  # norm 0.5: no clipping
    assert w.tolist() == pytest.approx([3.0 - 0.1 * 0.3 / (0.3 + 1e-6),
                                        4.0 + 0.1 * 0.4 / (0.4 + 1e-6)], rel=1e-12)
    w = _param([3.0, 4.0])
    _step(Lamb([w], lr=0.1, weight_decay=0., always_adapt=True, eps=0.), w, [0.3, -0.4])
    trust = 5.0 / math.sqrt(2)  # update is [1, -1]
    assert w.tolist() == pytest.approx([3.0 - 0.1 * trust, 4.0 + 0.1 * trust], rel=1e-12)
    w = _param([3.0, 4.0])
    _step(Lamb([w], lr=0.1, weight_decay=0., always_adapt=True, trust_clip=True, eps=0.),
          w, [0.3, -0.4])
    assert w.tolist() == pytest.approx([2.9, 4.1], rel=1e-12)  # trust ratio clipped to 1


def test_lamb_grad_averaging_off_and_second_step():
    w = _param([3.0, 4.0])
    opt = Lamb([w], lr=0.1, weight_decay=0., grad_averaging=False, eps=0.)
    _step(opt, w, [0.3, 0.4])
    # m = g (no 1 - beta1 weight), m_hat = g / 0.1 = 10 g; v_hat = g^2 -> update 10
    assert w.tolist() == pytest.approx([2.0, 3.0], rel=1e-12)
    _step(opt, w, [0.3, 0.4])
    # m = 0.9 g + g = 1.9 g, m_hat = 1.9 g / 0.19 = 10 g; v_hat = g^2 again
    assert w.tolist() == pytest.approx([1.0, 2.0], rel=1e-12)
    assert opt.state[w]['step'] == 2


def test_lars_two_steps_with_momentum_by_hand():
    w = _param([3.0, 4.0])
    opt = LARS([w], lr=0.1, momentum=0.9, weight_decay=0.01, eta=0.001)
    g = [0.3, 0.4]
    _step(opt, w, g)
    local = 0.001 * 5.0 / (0.5 + 0.01 * 5.0 + 1e-8)
    d1 = [(g[i] + 0.01 * [3.0, 4.0][i]) * 0.1 * local for i in range(2)]
    w1 = [3.0 - d1[0], 4.0 - d1[1]]
    assert w.tolist() == pytest.approx(w1, rel=1e-12)
    _step(opt, w, g)
    norm1 = math.hypot(*w1)
    local2 = 0.001 * norm1 / (0.5 + 0.01 * norm1 + 1e-8)
    d2 = [(g[i] + 0.01 * w1[i]) * 0.1 * local2 for i in range(2)]
    buf = [0.9 * d1[i] + d2[i] for i in range(2)]
    assert w.tolist() == pytest.approx([w1[0] - buf[0], w1[1] - buf[1]], rel=1e-12)


def test_lars_exclude_and_nesterov():
    w = _param([3.0, 4.0])
    opt = LARS([{'params': [w], 'lars_exclude': True}], lr=0.1, momentum=0.9, nesterov=True)
    _step(opt, w, [1.0, 2.0])
    # local lr 1; d = 0.1 g; buf = d; nesterov: d + 0.9 buf = 1.9 d
    assert w.tolist() == pytest.approx([3.0 - 0.19, 4.0 - 0.38], rel=1e-12)
    with pytest.raises(ValueError, match='nesterov'):
        LARS([w], lr=0.1, nesterov=True)


def test_adan_two_steps_by_hand():
    w = _param([1.0, -2.0])
    lr, wd, eps = 0.1, 0.02, 1e-8
    b1, b2, b3 = 0.98, 0.92, 0.99
    opt = Adan([w], lr=lr, weight_decay=wd, eps=eps)
    g1, g2 = [0.5, 0.5], [1.0, -1.0]
    _step(opt, w, g1)
    w1 = [(1.0 - lr * g1[0] / (abs(g1[0]) + eps)) / (1 + lr * wd),
          (-2.0 - lr * g1[1] / (abs(g1[1]) + eps)) / (1 + lr * wd)]
    assert w.tolist() == pytest.approx(w1, rel=1e-12)
    _step(opt, w, g2)
    expected = []
    for i in range(2):
        diff = g2[i] - g1[i]
        m = b1 * (1 - b1) * g1[i] + (1 - b1) * g2[i]
        n = (1 - b2) * diff
        look_ahead = g2[i] + b2 * diff
        v = b3 * (1 - b3) * g1[i] ** 2 + (1 - b3) * look_ahead ** 2
        denom = math.sqrt(v) / math.sqrt(1 - b3 ** 2) + eps
        update = (m / (1 - b1 ** 2) + b2 * n / (1 - b2 ** 2)) / denom
        expected.append((w1[i] - lr * update) / (1 + lr * wd))
    assert w.tolist() == pytest.approx(expected, rel=1e-12)


def test_adan_restart_opt_starts_the_averages_over():
    w = _param([1.0, -2.0])
    opt = Adan([w], lr=0.1, weight_decay=0.0, eps=1e-8)
    frozen = _param([3.0])
    frozen.requires_grad_(False)
    opt.add_param_group(dict(params=[frozen]))
    _step(opt, w, [0.5, 0.5])
    _step(opt, w, [1.0, -1.0])
    opt.restart_opt()
    state = opt.state[w]
    assert state['step'] == 0 and not opt.state[frozen]
    for key in ('exp_avg', 'exp_avg_sq', 'exp_avg_diff'):
        assert state[key].tolist() == [0.0, 0.0]
    assert state['pre_grad'].tolist() == [1.0, -1.0]
    # The next step is a first step again (bias-corrected), with the gradient difference
    # taken against the gradient before the restart.
    before = w.tolist()
    _step(opt, w, [1.0, -1.0])
    assert state['step'] == 1
    assert w.tolist() == pytest.approx([before[0] - 0.1, before[1] + 0.1], rel=1e-6)


def test_adan_no_prox_and_grad_clipping():
    w = _param([1.0, -2.0])
    opt = Adan([w], lr=0.1, weight_decay=0.5, no_prox=True, max_grad_norm=1.0, eps=0.)
    _step(opt, w, [30.0, 40.0])  # clipped to norm 1; first update is sign(g)
    assert w.tolist() == pytest.approx([1.0 * 0.95 - 0.1, -2.0 * 0.95 - 0.1], rel=1e-9)
    assert opt.state[w]['pre_grad'].tolist() == pytest.approx([0.6, 0.8], rel=1e-9)


@pytest.mark.parametrize('cls, kwargs, match', [
    (Lamb, dict(betas=(1.0, 0.9)), 'betas'),
    (Adan, dict(betas=(0.9, 0.9)), 'betas'),
    (Adan, dict(max_grad_norm=-1.0), 'max_grad_norm'),
    (LARS, dict(lr=-1.0), 'lr'),
])
def test_invalid_arguments(cls, kwargs, match):
    kwargs.setdefault('lr', 0.1)
    with pytest.raises(ValueError, match=match):
        cls([_param([1.0])], **kwargs)


def test_closure_is_evaluated():
    w = _param([1.0])
    opt = Lamb([w])

    def closure():
        opt.zero_grad()
        loss = (w ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 1.0
