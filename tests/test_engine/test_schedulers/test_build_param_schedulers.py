"""build_param_schedulers: defaults from the training length, convert_to_iter_based, and
documented composed schedules against hand-computed values."""
import io
import math

import pytest
import torch
from torch.optim import lr_scheduler as tls

from mmcls.engine.optimizers import OptimWrapper, OptimWrapperDict
from mmcls.engine.schedulers import (INF, CosineAnnealingLR, LinearLR, build_param_schedulers)

BASE = 0.1


def wrapper(lr=BASE):
    return OptimWrapper(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr,
                                        momentum=0.9))


def simulate(cfgs, max_epochs, epoch_length):
    """Per-iteration LRs of a simulated epoch-based run, stepping like ParamSchedulerHook."""
    optim = wrapper()
    schedulers = build_param_schedulers(cfgs, optim, epoch_length, max_epochs=max_epochs)
    lrs = []
    for _ in range(max_epochs):
        for _ in range(epoch_length):
            lrs.append(optim.get_lr()['lr'][0])
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
    return lrs, schedulers


def test_seed_warmup_50_iters_then_multistep():
  
    cfgs = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, end=50),
            dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], gamma=0.1)]
    lrs, schedulers = simulate(cfgs, max_epochs=12, epoch_length=10)
    for i, lr in enumerate(lrs):
        epoch = i // 10
        warm = 0.001 + 0.999 * min(i, 49) / 49
        decay = 0.1 ** ((epoch >= 8) + (epoch >= 11))
        assert lr == pytest.approx(BASE * warm * decay), i
    assert schedulers[1].end == 12  # default end: max_epochs


def test_seed_warmup_10_epochs_converted_then_cosine():
    # LinearLR by epoch converted to iterations, then cosine from epoch 10
    cfgs = [dict(type='LinearLR', start_factor=0.001, by_epoch=True, end=10,
                 convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', by_epoch=True, begin=10)]
    lrs, schedulers = simulate(cfgs, max_epochs=20, epoch_length=3)
    linear, cosine = schedulers
    assert (linear.by_epoch, linear.begin, linear.end) == (False, 0, 30)
    assert (cosine.by_epoch, cosine.begin, cosine.end, cosine.T_max) == (True, 10, 20, 10)
    for i, lr in enumerate(lrs):
        epoch = i // 3
        if i < 30:
            expected = BASE * (0.001 + 0.999 * i / 29)
        else:
            expected = BASE * (1 + math.cos(math.pi * (epoch - 10) / 10)) / 2
        assert lr == pytest.approx(expected), i


def test_seed_migration_schedule_l7400():
    cfgs = [dict(type='LinearLR', start_factor=0.01, by_epoch=True, end=5,
                 convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', by_epoch=True, begin=5)]
    lrs, _ = simulate(cfgs, max_epochs=100, epoch_length=2)
    assert lrs[0] == pytest.approx(BASE * 0.01)
    assert lrs[5] == pytest.approx(BASE * (0.01 + 0.99 * 5 / 9))
    assert lrs[9] == pytest.approx(BASE)
    assert lrs[10] == lrs[11] == pytest.approx(BASE)  # epoch 5: cosine starts at the peak
    assert lrs[2 * 55] == pytest.approx(BASE * (1 + math.cos(math.pi * 50 / 95)) / 2)
    assert lrs[-1] == pytest.approx(BASE * (1 + math.cos(math.pi * 94 / 95)) / 2)


def test_gap_keeps_the_value():
    cfgs = [dict(type='LinearLR', start_factor=0.5, by_epoch=True, end=3),
            dict(type='ExponentialLR', gamma=0.5, by_epoch=True, begin=5)]
    lrs, _ = simulate(cfgs, max_epochs=8, epoch_length=1)
    assert lrs == pytest.approx([BASE * f for f in (0.5, 0.75, 1, 1, 1, 1, 0.5, 0.25)])


def test_overlap_chains_like_torch_chained_scheduler():
    cfgs = [dict(type='StepLR', step_size=3, gamma=0.5, by_epoch=True),
            dict(type='ExponentialLR', gamma=0.9, by_epoch=True)]
    ours, _ = simulate(cfgs, max_epochs=10, epoch_length=1)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=BASE)
    chained = tls.ChainedScheduler([tls.StepLR(optimizer, 3, 0.5),
                                    tls.ExponentialLR(optimizer, 0.9)])
    theirs = []
    for _ in range(10):
        theirs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        chained.step()
    assert ours == pytest.approx(theirs)


def test_defaults_from_training_length():
    optim = wrapper()
    linear, cosine, poly = build_param_schedulers(
        [dict(type='LinearLR', by_epoch=False), dict(type='CosineAnnealingLR', begin=2),
         dict(type='PolyLR', by_epoch=False, end=None)],
        optim, epoch_length=5, max_epochs=10)
    assert linear.end == 50 and poly.end == 50  # max_iters = max_epochs * epoch_length
    assert (cosine.end, cosine.T_max) == (10, 8)
    [iter_cosine] = build_param_schedulers(dict(type='CosineAnnealingLR', by_epoch=False),
                                           wrapper(), epoch_length=None, max_iters=40)
    assert iter_cosine.T_max == 40
    [unbounded] = build_param_schedulers(dict(type='StepLR', step_size=2), wrapper(), None)
    assert unbounded.end == INF


def test_convert_scales_every_epoch_field():
    optim = wrapper()
    step, multi, cosine, restart, one_cycle = build_param_schedulers([
        dict(type='StepLR', step_size=2, convert_to_iter_based=True),
        dict(type='MultiStepLR', milestones=[1, 3], convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', T_max=4, begin=1, end=5, convert_to_iter_based=True),
        dict(type='CosineRestartLR', periods=[2, 2], restart_weights=[1, 1], eta_min=0.,
             convert_to_iter_based=True),
        dict(type='OneCycleLR', eta_max=0.1, total_steps=3, convert_to_iter_based=True),
    ], optim, epoch_length=10, max_epochs=6)
    assert step.step_size == 20 and not step.by_epoch and step.end == 60
    assert multi.milestones == {10: 1, 30: 1}
    assert (cosine.T_max, cosine.begin, cosine.end) == (40, 10, 50)
    assert restart.periods == [20, 20]
    assert one_cycle.total_steps == 30


def test_convert_errors():
    with pytest.raises(ValueError, match='by_epoch=True'):
        build_param_schedulers(dict(type='LinearLR', by_epoch=False, convert_to_iter_based=True),
                               wrapper(), 10, max_epochs=2)
    with pytest.raises(ValueError, match='epoch length'):
        build_param_schedulers(dict(type='LinearLR', convert_to_iter_based=True),
                               wrapper(), None, max_epochs=2)
    with pytest.raises(KeyError, match='"type"'):
        build_param_schedulers([dict(by_epoch=True)], wrapper(), 10)
    with pytest.raises(KeyError, match='parameter scheduler registry'):
        build_param_schedulers([dict(type='CosineLR')], wrapper(), 10)


def test_none_built_and_wrapper_dict():
    assert build_param_schedulers(None, wrapper(), 10) == []
    built = LinearLR(wrapper(), end=3)
    assert build_param_schedulers([built], wrapper(), 10) == [built]
    gen, disc = wrapper(0.1), wrapper(0.2)
    schedulers = build_param_schedulers(dict(type='StepLR', step_size=1, gamma=0.5),
                                        OptimWrapperDict(gen=gen, disc=disc), 10, max_epochs=3)
    for s in schedulers:
        s.step()
    assert gen.get_lr()['lr'] == [0.05] and disc.get_lr()['lr'] == [0.1]


def test_state_dict_resume_is_exact_and_weights_only_loadable():
    cfgs = [dict(type='LinearLR', start_factor=0.01, by_epoch=False, end=7),
            dict(type='MultiStepLR', milestones=[4, 8], by_epoch=False),
            dict(type='OneCycleLR', eta_max=0.3, by_epoch=False, begin=2, end=12)]

    def fresh():
        optim = wrapper()
        return optim, build_param_schedulers(cfgs, optim, 1, max_iters=12)

    optim, schedulers = fresh()
    reference = []
    for _ in range(12):
        reference.append(optim.get_lr()['lr'][0])
        for s in schedulers:
            s.step()

    optim, schedulers = fresh()
    for _ in range(5):
        for s in schedulers:
            s.step()
    buffer = io.BytesIO()
    torch.save({'optimizer': optim.state_dict(),
                'param_schedulers': [s.state_dict() for s in schedulers]}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)

    optim, schedulers = fresh()
    optim.load_state_dict(saved['optimizer'])
    for s, state in zip(schedulers, saved['param_schedulers']):
        s.load_state_dict(state)
    resumed = []
    for _ in range(5, 12):
        resumed.append(optim.get_lr()['lr'][0])
        for s in schedulers:
            s.step()
    assert resumed == pytest.approx(reference[5:])


def test_last_step_resume_without_state_dict():
    optim = wrapper()
    optim.param_groups[0]['initial_lr'] = BASE
    optim.param_groups[0]['lr'] = BASE * 0.5 ** 2
    scheduler = CosineAnnealingLR(optim, T_max=4, last_step=1)
    assert scheduler.last_step == 2
