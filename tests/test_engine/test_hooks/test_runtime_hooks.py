"""RuntimeInfoHook, IterTimerHook, ParamSchedulerHook, DistSamplerSeedHook and priorities."""
import pytest
import torch

from runner_toys import runner_kwargs

from mmcls.engine.hooks import (DistSamplerSeedHook, Hook, IterTimerHook, ParamSchedulerHook,
                                RuntimeInfoHook)
from mmcls.runner import Runner


def _runner(tmp_path, **kwargs):
    torch.set_num_threads(1)
    kwargs.setdefault('default_hooks', dict(checkpoint=None))
    return Runner(**runner_kwargs(str(tmp_path), **kwargs))


def test_default_hooks_order_and_priorities(tmp_path):
    runner = _runner(tmp_path, default_hooks=dict(sampler_seed=None),
                     custom_hooks=[dict(type='EmptyCacheHook', priority='HIGHEST'),
                                   dict(type='SyncBuffersHook', priority=95)])
    names = [type(h).__name__ for h in runner.hooks]
    assert names == ['EmptyCacheHook', 'RuntimeInfoHook', 'IterTimerHook', 'LoggerHook',
                     'ParamSchedulerHook', 'CheckpointHook', 'SyncBuffersHook']
    assert 'before_train_iter:' in runner.get_hooks_info()


def test_runtime_info_and_timer_scalars(tmp_path):
    runner = _runner(tmp_path, max_epochs=2)
    runner.train()
    hub = runner.message_hub
    assert hub.get_info('max_epochs') == 2 and hub.get_info('max_iters') == 12
    assert hub.get_info('epoch') == 1 and hub.get_info('iter') == 11
    assert len(hub.get_scalar('train/loss')) == 12
    assert hub.get_scalar('train/lr').current() == pytest.approx(0.1)
    assert all(t >= 0 for t in hub.get_scalar('train/time')._log)
    assert len(hub.get_scalar('val/time')) == 6
    assert hub.get_scalar('val/toy/accuracy').current() >= 0
    assert hub.get_info('eta') == pytest.approx(0.0, abs=1e-6)
    assert runner.visualizer.dataset_meta['classes'] == ('c0', 'c1', 'c2')


def test_clipped_steps_log_their_gradient_norm_once(tmp_path):
    optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1), clip_grad=dict(max_norm=1e-3),
                         accumulative_counts=2)
    runner = _runner(tmp_path, max_epochs=1, val=False, optim_wrapper=optim_wrapper)
    runner.train()
    norms = runner.message_hub.get_scalar('train/grad_norm').data[0]
    assert len(runner.message_hub.get_scalar('train/loss')) == 6
    assert len(norms) == 3 and (norms > 0).all()  # one per optimizer step of 2 iterations
    assert runner.optim_wrapper.last_grad_norm == pytest.approx(norms[-1])
    assert runner.optim_wrapper.take_grad_norm() is None  # each norm is handed out once


def test_param_scheduler_hook_steps_by_epoch_and_iter(tmp_path):
    runner = _runner(tmp_path, max_epochs=3, param_scheduler=[
        dict(type='MultiStepLR', by_epoch=True, milestones=[1], gamma=0.5),
        dict(type='LinearLR', by_epoch=False, start_factor=0.5, begin=0, end=6)])
    runner.train()
    lrs = runner.message_hub.get_scalar('train/lr')._log
    assert lrs[0] == pytest.approx(0.05)          # warm-up starts at half
    assert lrs[6] == pytest.approx(0.05)          # epoch decay x0.5 after warm-up ends
    assert lrs[-1] == pytest.approx(0.05)


class _Plateau:
    by_epoch = True
    need_val_args = True

    def __init__(self):
        self.calls = []

    def step(self, metrics=None):
        self.calls.append(metrics)


def test_param_scheduler_hook_passes_metrics_to_val_schedulers():
    hook, plateau = ParamSchedulerHook(), _Plateau()

    class FakeRunner:
        param_schedulers = [plateau]

    hook.after_train_epoch(FakeRunner())
    hook.after_val_epoch(FakeRunner(), metrics={'acc': 1.0})
    assert plateau.calls == [None, {'acc': 1.0}]


def test_sampler_seed_hook_sets_epoch(tmp_path):
    seen = []

    class Spy(Hook):
        def before_train_epoch(self, runner):
            seen.append(runner.train_dataloader.sampler.epoch)

    runner = _runner(tmp_path, max_epochs=3, custom_hooks=[dict(type=Spy, priority='LOW')])
    runner.train()
    assert seen == [0, 1, 2]
    assert DistSamplerSeedHook.priority == 'NORMAL'


def test_hook_skips_unimplemented_stages():
    assert set(RuntimeInfoHook().get_triggered_stages()) == {
        'before_run', 'before_train', 'before_train_epoch', 'after_val_epoch',
        'after_test_epoch', 'before_train_iter', 'after_train_iter'}
    stages = IterTimerHook().get_triggered_stages()
    assert 'before_val_iter' in stages and 'after_test_iter' in stages
    assert 'before_save_checkpoint' not in stages
