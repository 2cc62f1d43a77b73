"""Momentum schedulers (SGD momentum and Adam betas) and generic ``*ParamScheduler``s."""
import pytest
import torch

from mmcls.engine.optimizers import OptimWrapper
from mmcls.engine.schedulers import (CosineAnnealingMomentum, CosineAnnealingParamScheduler,
                                     LinearMomentum, MultiStepMomentum, StepParamScheduler)
from mmcls.registry import PARAM_SCHEDULERS


def _param():
    return torch.nn.Parameter(torch.zeros(1))


def test_linear_momentum_on_sgd_by_hand():
    # LinearMomentum(start_factor=0.001, by_epoch=False, begin=0, end=1000)
    optimizer = torch.optim.SGD([_param()], lr=0.1, momentum=0.9)
    scheduler = PARAM_SCHEDULERS.build(
        dict(type='LinearMomentum', start_factor=0.001, by_epoch=False, begin=0, end=1000),
        default_args=dict(optimizer=OptimWrapper(optimizer)))
    assert isinstance(scheduler, LinearMomentum) and not scheduler.by_epoch
    seen = []
    for _ in range(1001):
        seen.append(optimizer.param_groups[0]['momentum'])
        scheduler.step()
    assert seen[0] == pytest.approx(0.9 * 0.001)
    assert seen[500] == pytest.approx(0.9 * (0.001 + 0.999 * 500 / 999))
    assert seen[999] == pytest.approx(0.9) and seen[1000] == pytest.approx(0.9)
    assert optimizer.param_groups[0]['lr'] == 0.1  # the learning rate is untouched


def test_momentum_scheduler_drives_adam_betas():
    optimizer = torch.optim.Adam([_param()], lr=0.1, betas=(0.9, 0.99))
    scheduler = MultiStepMomentum(optimizer, milestones=[2], gamma=0.5)
    betas = []
    for _ in range(4):
        betas.append(optimizer.param_groups[0]['betas'])
        optimizer.step()
        scheduler.step()
    assert betas == [(0.9, 0.99), (0.9, 0.99), (0.45, 0.99), (0.45, 0.99)]
    assert OptimWrapper(optimizer).get_momentum() == {'momentum': [0.45]}


def test_momentum_scheduler_needs_momentum():
    optimizer = torch.optim.Rprop([_param()])
    with pytest.raises(ValueError, match='neither momentum nor betas'):
        CosineAnnealingMomentum(optimizer, T_max=5)


def test_generic_scheduler_on_weight_decay():
    optimizer = torch.optim.SGD([_param()], lr=0.1, weight_decay=1e-2)
    scheduler = StepParamScheduler(optimizer, param_name='weight_decay', step_size=2, gamma=0.1)
    values = []
    for _ in range(5):
        values.append(optimizer.param_groups[0]['weight_decay'])
        scheduler.step()
    assert values == pytest.approx([1e-2, 1e-2, 1e-3, 1e-3, 1e-4])
    assert optimizer.param_groups[0]['initial_weight_decay'] == 1e-2


def test_generic_scheduler_builds_from_config():
    optimizer = torch.optim.SGD([_param()], lr=0.1, momentum=0.9)
    scheduler = PARAM_SCHEDULERS.build(
        dict(type='CosineAnnealingParamScheduler', param_name='lr', T_max=4, by_epoch=False),
        default_args=dict(optimizer=optimizer))
    assert isinstance(scheduler, CosineAnnealingParamScheduler)
    for _ in range(4):
        scheduler.step()
    assert optimizer.param_groups[0]['lr'] == pytest.approx(0.0)


def test_unknown_param_name():
    optimizer = torch.optim.SGD([_param()], lr=0.1)
    with pytest.raises(KeyError, match='betas'):
        StepParamScheduler(optimizer, param_name='betas', step_size=1)
