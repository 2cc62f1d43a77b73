"""Each LR scheduler against its torch.optim.lr_scheduler twin, plus what has no twin."""
import math

import pytest
import torch
from torch.optim import lr_scheduler as tls

from mmcls.engine.optimizers import OptimWrapper
from mmcls.engine.schedulers import (ConstantLR, CosineAnnealingLR, CosineRestartLR,
                                     ExponentialLR, LinearLR, MultiStepLR, OneCycleLR, PolyLR,
                                     ReduceOnPlateauLR, StepLR)
from mmcls.registry import PARAM_SCHEDULERS

STEPS = 25


def make_optimizer(lrs=(0.05, 0.5)):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in lrs]
    return torch.optim.SGD([{'params': [p], 'lr': lr} for p, lr in zip(params, lrs)],
                           lr=lrs[0], momentum=0.9)


def run(make_scheduler, steps=STEPS, wrap=False):
    """LRs of every param group at the start of each of ``steps`` steps."""
    optimizer = make_optimizer()
    scheduler = make_scheduler(OptimWrapper(optimizer) if wrap else optimizer)
    values = []
    for _ in range(steps):
        values.append([g['lr'] for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return values


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), f'step {step}'


@pytest.mark.parametrize('wrap', [False, True])
def test_step_lr(wrap):
    assert_same(run(lambda o: StepLR(o, step_size=3, gamma=0.5), wrap=wrap),
                run(lambda o: tls.StepLR(o, step_size=3, gamma=0.5)))


def test_multi_step_lr():
    assert_same(run(lambda o: MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.1)),
                run(lambda o: tls.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.1)))


def test_exponential_lr():
    assert_same(run(lambda o: ExponentialLR(o, gamma=0.9)),
                run(lambda o: tls.ExponentialLR(o, gamma=0.9)))


def test_constant_lr_end_is_exclusive():
    # MMEngine's end=N+1 restores the value at step N, like torch's total_iters=N
    assert_same(run(lambda o: ConstantLR(o, factor=0.25, end=6)),
                run(lambda o: tls.ConstantLR(o, factor=0.25, total_iters=5)))


def test_linear_lr():
    assert_same(run(lambda o: LinearLR(o, start_factor=0.1, end_factor=0.9, end=11)),
                run(lambda o: tls.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=10)))


def test_cosine_annealing_lr_over_several_periods():
    assert_same(run(lambda o: CosineAnnealingLR(o, T_max=6, eta_min=0.001), steps=40),
                run(lambda o: tls.CosineAnnealingLR(o, T_max=6, eta_min=0.001), steps=40))


def test_cosine_annealing_eta_min_ratio_and_default_t_max():
    values = run(lambda o: CosineAnnealingLR(o, eta_min_ratio=0.1, end=10), steps=10)
    for t, (a, b) in enumerate(values):
        for value, base in ((a, 0.05), (b, 0.5)):
            eta_min = base * 0.1
            cosine = (1 + math.cos(math.pi * t / 10)) / 2
            assert value == pytest.approx(eta_min + (base - eta_min) * cosine)
    with pytest.raises(ValueError, match='eta_min'):
        CosineAnnealingLR(make_optimizer(), T_max=5, eta_min=0., eta_min_ratio=0.1)


def test_poly_lr():
    assert_same(run(lambda o: PolyLR(o, power=2.0, eta_min=0, end=11)),
                run(lambda o: tls.PolynomialLR(o, total_iters=10, power=2.0)))


def test_poly_lr_eta_min_by_hand():
    values = run(lambda o: PolyLR(o, power=1.0, eta_min=0.01, end=5), steps=6)
    expected = [0.01 + (0.05 - 0.01) * (1 - t / 4) for t in range(5)] + [0.01]
    assert [v[0] for v in values] == pytest.approx(expected)


def test_cosine_restart_lr():
    assert_same(run(lambda o: CosineRestartLR(o, periods=[5, 5, 5], restart_weights=[1, 1, 1],
                                              eta_min=0.001), steps=15),
                run(lambda o: tls.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.001), steps=15))


def test_cosine_restart_weights_by_hand():
    values = [v[0] for v in run(lambda o: CosineRestartLR(
        o, periods=[2, 4], restart_weights=[1, 0.5], eta_min_ratio=0.), steps=8)]
    expected = [0.05, 0.025, 0.025, 0.025 * (1 + math.cos(math.pi / 4)) / 2, 0.0125,
                0.025 * (1 + math.cos(3 * math.pi / 4)) / 2]
    assert values[:6] == pytest.approx(expected)
    assert values[6:] == pytest.approx([values[5]] * 2)  # after the last period: kept
    with pytest.raises(ValueError, match='exactly one'):
        CosineRestartLR(make_optimizer(), periods=[2], restart_weights=[1])


@pytest.mark.parametrize('three_phase, strategy', [(False, 'cos'), (True, 'linear')])
def test_one_cycle_lr(three_phase, strategy):
    kwargs = dict(pct_start=0.3, div_factor=10., final_div_factor=100., three_phase=three_phase,
                  anneal_strategy=strategy)
    assert_same(run(lambda o: OneCycleLR(o, eta_max=[0.1, 1.0], total_steps=20, **kwargs),
                    steps=20),
                run(lambda o: tls.OneCycleLR(o, max_lr=[0.1, 1.0], total_steps=20,
                                             cycle_momentum=False, **kwargs), steps=20))


def test_one_cycle_lr_refuses_extra_steps():
    optimizer = make_optimizer()
    scheduler = OneCycleLR(optimizer, eta_max=0.1, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match='total_steps'):
        scheduler.step()


def test_reduce_on_plateau_lr():
    metrics = [1.0, 0.9, 0.95, 0.92, 0.91, 0.905, 0.95, 0.96, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    ours_opt, torch_opt = make_optimizer(), make_optimizer()
    ours = ReduceOnPlateauLR(ours_opt, monitor='loss', factor=0.5, patience=2, cooldown=1,
                             min_value=0.01, threshold=0.01)
    theirs = tls.ReduceLROnPlateau(torch_opt, factor=0.5, patience=2, cooldown=1,
                                   min_lr=0.01, threshold=0.01)
    for metric in metrics:
        ours.step()  # the per-epoch call only counts
        ours.step(dict(loss=metric))
        theirs.step(metric)
        assert [g['lr'] for g in ours_opt.param_groups] == \
            pytest.approx([g['lr'] for g in torch_opt.param_groups])
    assert ours_opt.param_groups[0]['lr'] < 0.05  # it did reduce
    with pytest.raises(KeyError, match='accuracy/top1'):
        ReduceOnPlateauLR(make_optimizer(), monitor='accuracy/top1').step(dict(loss=1.0))


def test_reduce_on_plateau_greater_abs_rule():
    optimizer = make_optimizer()
    scheduler = ReduceOnPlateauLR(optimizer, monitor='acc', rule='greater', threshold=1.0,
                                  threshold_rule='abs', patience=0, factor=0.1)
    scheduler.step(dict(acc=50.0))  # first value is an improvement over -inf
    scheduler.step(dict(acc=50.5))  # +0.5 < threshold 1.0: no improvement -> reduce
    assert optimizer.param_groups[0]['lr'] == pytest.approx(0.005)
    assert ReduceOnPlateauLR.need_val_args


def test_begin_end_limit_the_effect():
    values = [v[0] for v in run(lambda o: ExponentialLR(o, gamma=0.5, begin=2, end=5), steps=8)]
    assert values == pytest.approx([0.05, 0.05, 0.05, 0.025, 0.0125, 0.0125, 0.0125, 0.0125])


def test_get_last_value_and_state():
    optimizer = make_optimizer()
    scheduler = StepLR(optimizer, step_size=2, gamma=0.1)
    scheduler.step()
    scheduler.step()
    assert scheduler.get_last_value() == pytest.approx([0.005, 0.05])
    assert scheduler.last_step == 2 and scheduler.by_epoch


def test_invalid_arguments():
    with pytest.raises(ValueError, match='end must be larger'):
        StepLR(make_optimizer(), step_size=2, begin=5, end=5)
    with pytest.raises(TypeError, match='Optimizer'):
        StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match='start_factor'):
        LinearLR(make_optimizer(), start_factor=1.5)
    with pytest.raises(KeyError, match='initial_lr'):
        StepLR(make_optimizer(), step_size=2, last_step=3)


def test_every_scheduler_kind_is_registered():
    for kind in ('Constant', 'Linear', 'Step', 'MultiStep', 'Exponential', 'CosineAnnealing',
                 'CosineRestart', 'Poly', 'ReduceOnPlateau'):
        for suffix in ('LR', 'Momentum', 'ParamScheduler'):
            assert f'{kind}{suffix}' in PARAM_SCHEDULERS
    assert 'OneCycleLR' in PARAM_SCHEDULERS and 'OneCycleParamScheduler' in PARAM_SCHEDULERS
