"""EMAHook and the averaged models: averaging, evaluation swap, checkpoint layout, resume."""
import pytest
import torch
import torch.nn as nn

from runner_toys import assert_same_state, runner_kwargs, state_dict_of

from mmcls.engine.hooks import EMAHook
from mmcls.runner import Runner
from mmcls.core.averaged_model import (ExponentialMovingAverage, MomentumAnnealingEMA,
                                         StochasticWeightAverage)


def test_ema_update_rule():
    model = nn.Linear(2, 1, bias=False)
    nn.init.zeros_(model.weight)
    ema = ExponentialMovingAverage(model, momentum=0.5)
    ema.update_parameters(model)  # first call copies
    with torch.no_grad():
        model.weight.fill_(2.0)
    ema.update_parameters(model)
    assert torch.allclose(ema.module.weight, torch.full((1, 2), 1.0))
    with pytest.raises(ValueError):
        ExponentialMovingAverage(model, momentum=1.5)


def test_momentum_annealing_and_swa():
    model = nn.Linear(1, 1, bias=False)
    nn.init.zeros_(model.weight)
    anneal = MomentumAnnealingEMA(model, momentum=0.01, gamma=1)
    swa = StochasticWeightAverage(model)
    for value in (0.0, 3.0, 6.0):
        with torch.no_grad():
            model.weight.fill_(value)
        anneal.update_parameters(model)
        swa.update_parameters(model)
    assert swa.module.weight.item() == pytest.approx(3.0)
    # steps 1 and 2 use momentum max(0.01, 1/(1+steps)) = 1/2, 1/3: 0 -> 1.5 -> 3.0
    assert anneal.module.weight.item() == pytest.approx(3.0)


def _runner(tmp_path, ema, **kwargs):
    torch.set_num_threads(1)
    return Runner(**runner_kwargs(str(tmp_path), custom_hooks=[ema], **kwargs))


def test_checkpoint_holds_ema_weights_and_resume_restores_both(tmp_path):
    ema_cfg = dict(type='EMAHook', momentum=0.1, priority='ABOVE_NORMAL')
    runner = _runner(tmp_path / 'full', dict(ema_cfg), max_epochs=3)
    runner.train()
    hook = [h for h in runner.hooks if isinstance(h, EMAHook)][0]
    ckpt = torch.load(tmp_path / 'full' / 'epoch_3.pth', weights_only=True)
    for key, value in hook.ema_model.module.state_dict().items():
        assert torch.equal(ckpt['state_dict'][key], value), key
        assert torch.equal(ckpt['ema_state_dict'][f'module.{key}'], runner.model.state_dict()[key])
    resumed = _runner(tmp_path / 'resumed', dict(ema_cfg), max_epochs=3, resume=True,
                      load_from=str(tmp_path / 'full' / 'epoch_2.pth'))
    resumed.train()
    assert_same_state(state_dict_of(tmp_path / 'full' / 'epoch_3.pth'),
                      state_dict_of(tmp_path / 'resumed' / 'epoch_3.pth'))


def test_validation_runs_on_ema_then_restores(tmp_path):
    seen = {}

    class Spy(EMAHook):
        def after_val_epoch(self, runner, metrics=None):
            seen['during'] = runner.model.fc1.weight.detach().clone()
            seen['ema'] = self.ema_model.module.fc1.weight.detach().clone()
            super().after_val_epoch(runner, metrics)
            seen['after'] = runner.model.fc1.weight.detach().clone()

    runner = _runner(tmp_path, dict(type=Spy, momentum=0.5, evaluate_on_origin=True),
                     max_epochs=1)
    runner.train()
    # During validation the model held the EMA weights (which were swapped out).
    assert not torch.equal(seen['during'], seen['after'])
    assert torch.equal(seen['ema'], seen['after'])
    assert len(runner.message_hub.get_scalar('val/toy/accuracy_origin')) == 1


def test_begin_epoch_and_argument_checks(tmp_path):
    with pytest.raises(ValueError, match='same time'):
        EMAHook(begin_iter=1, begin_epoch=1)
    runner = _runner(tmp_path, dict(type='EMAHook', begin_epoch=5), max_epochs=2)
    with pytest.raises(ValueError, match='begin_epoch'):
        runner.train()


def test_both_evaluation_targets_off_warns_and_evaluates_the_original():
    with pytest.warns(UserWarning, match='evaluate_on_origin is set to True'):
        hook = EMAHook(evaluate_on_ema=False, evaluate_on_origin=False)
    assert hook.evaluate_on_origin and not hook.evaluate_on_ema


def test_load_from_swaps_back_and_training_starts_from_the_ema_weights(tmp_path):
    """``load_from`` (no resume) of a checkpoint with ``ema_state_dict``: after loading, the
    model holds its original weights and the EMA model the averaged ones; training then starts
    the model from the averaged weights."""
    ema_cfg = dict(type='EMAHook', momentum=0.1, priority='ABOVE_NORMAL')
    _runner(tmp_path / 'full', dict(ema_cfg), max_epochs=2).train()
    path = tmp_path / 'full' / 'epoch_2.pth'
    ckpt = torch.load(path, weights_only=True)
    loaded = _runner(tmp_path / 'loaded', dict(ema_cfg), max_epochs=2)
    loaded.call_hook('before_run')
    loaded.load_checkpoint(str(path))
    hook = [h for h in loaded.hooks if isinstance(h, EMAHook)][0]
    for key, value in loaded.model.state_dict().items():
        assert torch.equal(value, ckpt['ema_state_dict'][f'module.{key}']), key
        assert torch.equal(hook.ema_model.module.state_dict()[key], ckpt['state_dict'][key]), key
    assert not all(torch.equal(ckpt['state_dict'][k], ckpt['ema_state_dict'][f'module.{k}'])
                   for k in ckpt['state_dict'])
    loaded.call_hook('before_train')  # only the hooks: no iteration changes weights
    for key, value in loaded.model.state_dict().items():
        if value.is_floating_point():
            assert torch.equal(value, ckpt['state_dict'][key]), key
