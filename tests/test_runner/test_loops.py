"""Loops: selection from train_cfg, counters, validation schedule, iteration-based training."""
import pytest
import torch

from runner_toys import ToyEvaluator, loader_cfg, runner_kwargs

from mmcls.engine.hooks.hook import Hook
from mmcls.registry import LOOPS
from mmcls.runner import Runner, loops


class Recorder(Hook):
    """Record every call point with the runner's counters."""
    priority = 'LOWEST'

    def __init__(self):
        self.calls = []

    def _before_epoch(self, runner, mode='train'):
        self.calls.append((f'before_{mode}_epoch', runner.epoch, runner.iter))

    def _after_iter(self, runner, batch_idx, data_batch=None, outputs=None, mode='train'):
        self.calls.append((f'after_{mode}_iter', batch_idx, runner.iter))

    def after_val_epoch(self, runner, metrics=None):
        self.calls.append(('after_val_epoch', runner.epoch, dict(metrics)))


def _runner(tmp_path, **kwargs):
    torch.set_num_threads(1)
    kwargs.setdefault('default_hooks', dict(checkpoint=None, logger=dict(type='LoggerHook',
                                                                          interval=100)))
    return Runner(**runner_kwargs(str(tmp_path), **kwargs))


def test_loops_are_registered():
    for name in ('EpochBasedTrainLoop', 'IterBasedTrainLoop', 'ValLoop', 'TestLoop'):
        assert name in LOOPS


def test_epoch_loop_counts_and_validates_on_interval(tmp_path):
    recorder = Recorder()
    runner = _runner(tmp_path, max_epochs=4, custom_hooks=[recorder],
                     train_cfg=dict(by_epoch=True, max_epochs=4, val_interval=2, val_begin=1))
    runner.train()
    assert isinstance(runner.train_loop, loops.EpochBasedTrainLoop)
    assert (runner.epoch, runner.iter, runner.max_iters) == (4, 24, 24)
    vals = [c for c in recorder.calls if c[0] == 'after_val_epoch']
    assert [v[1] for v in vals] == [2, 4]
    assert vals[-1][2]['toy/accuracy'] > 50
    train_iters = [c for c in recorder.calls if c[0] == 'after_train_iter']
    assert [c[1] for c in train_iters[:7]] == [0, 1, 2, 3, 4, 5, 0]
    assert train_iters[6][2] == 6  # global iteration counter keeps counting


def test_iter_loop_selected_by_by_epoch_false(tmp_path):
    recorder = Recorder()
    runner = _runner(tmp_path, custom_hooks=[recorder],
                     train_cfg=dict(by_epoch=False, max_iters=10, val_interval=4),
                     param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[5])])
    runner.train()
    assert isinstance(runner.train_loop, loops.IterBasedTrainLoop)
    assert runner.iter == 10
    iters = [c[1] for c in recorder.calls if c[0] == 'after_train_iter']
    assert iters == list(range(10))  # batch_idx is the global iteration, across epochs
    assert [c[2] for c in recorder.calls if c[0] == 'after_val_iter'][:1] == [4]
    assert runner.optim_wrapper.get_lr()['lr'][0] == pytest.approx(0.01)


def test_type_selects_loop_explicitly(tmp_path):
    runner = _runner(tmp_path, train_cfg=dict(type='IterBasedTrainLoop', max_iters=3))
    assert isinstance(runner.train_loop, loops.IterBasedTrainLoop)
    bad = _runner(tmp_path, train_cfg=dict(type='EpochBasedTrainLoop', by_epoch=True,
                                           max_epochs=1))
    with pytest.raises(ValueError, match='both "type" and "by_epoch"'):
        bad.train_loop
    missing = _runner(tmp_path, train_cfg=dict(max_epochs=1))
    with pytest.raises(KeyError, match='by_epoch'):
        missing.train_loop


def test_val_and_test_loops(tmp_path):
    runner = _runner(tmp_path, test_dataloader=loader_cfg(12, shuffle=False, seed=5), test_cfg=dict(),
                     test_evaluator=ToyEvaluator())
    metrics = runner.val()
    assert set(metrics) == {'toy/accuracy'}
    assert isinstance(runner.val_loop, loops.ValLoop)
    assert isinstance(runner.test_loop, loops.TestLoop)
    assert runner.test()['toy/accuracy'] == metrics['toy/accuracy']
    assert runner.val_evaluator.dataset_meta['classes'] == ('c0', 'c1', 'c2')


def test_validation_does_not_consume_training_randomness(tmp_path):
    runner = _runner(tmp_path, max_epochs=1)
    runner.train()
    before = torch.get_rng_state()
    runner.val_loop.run()
    assert torch.equal(before, torch.get_rng_state())


def test_missing_parts_are_reported(tmp_path):
    with pytest.raises(ValueError, match='optim_wrapper missing'):
        Runner(**runner_kwargs(str(tmp_path), optim_wrapper=None))
    runner = _runner(tmp_path, val=False, train_dataloader=None, train_cfg=None,
                     optim_wrapper=None)
    with pytest.raises(RuntimeError, match='cannot train'):
        runner.train()
    with pytest.raises(RuntimeError, match='cannot validate'):
        runner.val()


def test_train_loops_declare_how_they_count_progress():
    from mmcls.runner.loops import EpochBasedTrainLoop, IterBasedTrainLoop
    assert EpochBasedTrainLoop.by_epoch is True
    assert IterBasedTrainLoop.by_epoch is False
