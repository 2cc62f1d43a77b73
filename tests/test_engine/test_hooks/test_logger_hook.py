"""LoggerHook (with LogProcessor, IterTimerHook, RuntimeInfoHook): log lines and scalars.json."""
import json
import os
import os.path as osp
import re

import pytest
import torch

from runner_toys import runner_kwargs

from mmcls.engine.hooks import LoggerHook
from mmcls.runner import Runner


def _train(tmp_path, logger, **kwargs):
    torch.set_num_threads(1)
    kwargs.setdefault('max_epochs', 2)
    runner = Runner(**runner_kwargs(str(tmp_path), default_hooks=dict(logger=logger,
                                                                       checkpoint=None),
                                    **kwargs))
    runner.train()
    return runner


def _log_text(runner):
    return open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()


def _scalars(runner):
    path = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    return [json.loads(line) for line in open(path)]


def test_train_lines_follow_the_mmengine_format(tmp_path):
    runner = _train(tmp_path, dict(type='LoggerHook', interval=4, ignore_last=False))
    text = _log_text(runner)
    pattern = (r'Epoch\(train\) \[1\]\[4/6\]  lr: 1\.0000e-01  eta: \d+:\d\d:\d\d  '
               r'time: \d\.\d{4}  data_time: \d\.\d{4}  loss: \d\.\d{4}')
    assert re.search(pattern, text), text
    assert 'Epoch(train) [1][6/6]' in text  # last, shorter interval kept
    assert re.search(r'Epoch\(val\) \[2\]\[3/3\]  toy/accuracy: \d+\.\d{4}', text)
    records = _scalars(runner)
    train = [r for r in records if 'loss' in r]
    assert [r['step'] for r in train] == [4, 6, 10, 12]
    assert [r['epoch'] for r in train] == [1, 1, 2, 2]
    assert [r['step'] for r in records if 'toy/accuracy' in r] == [1, 2]


def test_ignore_last_skips_the_short_interval(tmp_path):
    runner = _train(tmp_path, dict(type='LoggerHook', interval=4))
    assert 'Epoch(train) [1][6/6]' not in _log_text(runner)


def test_iter_based_lines_and_metric_steps(tmp_path):
    runner = _train(tmp_path, dict(type='LoggerHook', interval=5),
                    train_cfg=dict(by_epoch=False, max_iters=10, val_interval=5),
                    log_processor=dict(by_epoch=False),
                    param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[9])])
    text = _log_text(runner)
    assert 'Iter(train) [ 5/10]' in text and 'Iter(train) [10/10]' in text
    assert [r['step'] for r in _scalars(runner) if 'toy/accuracy' in r] == [5, 10]


def test_custom_cfg_and_window(tmp_path):
    runner = _train(tmp_path, dict(type='LoggerHook', interval=3),
                    log_processor=dict(window_size=3, custom_cfg=[
                        dict(data_src='loss', method_name='max', window_size='global',
                             log_name='loss_max')]))
    train = [r for r in _scalars(runner) if 'loss' in r]
    losses = runner.message_hub.get_scalar('train/loss')._log
    assert train[-1]['loss_max'] == pytest.approx(max(losses))
    assert train[-1]['loss'] == pytest.approx(sum(losses[-3:]) / 3)


def test_test_metrics_json_and_out_dir(tmp_path):
    runner = Runner(**runner_kwargs(
        str(tmp_path / 'work'), val=False, train_dataloader=None, train_cfg=None,
        optim_wrapper=None, param_scheduler=None,
        test_dataloader=runner_kwargs('x')['val_dataloader'], test_cfg=dict(),
        test_evaluator=runner_kwargs('x')['val_evaluator'],
        default_hooks=dict(logger=dict(type='LoggerHook', out_dir=str(tmp_path / 'out')))))
    metrics = runner.test()
    saved = json.load(open(osp.join(runner.log_dir, f'{runner.timestamp}.json')))
    assert saved['toy/accuracy'] == metrics['toy/accuracy']
    copied = os.listdir(tmp_path / 'out' / 'work')
    assert f'{runner.timestamp}.log' in copied


def test_argument_checks():
    with pytest.raises(ValueError, match='interval'):
        LoggerHook(interval=0)
    with pytest.raises(ValueError, match='keep_local'):
        LoggerHook(keep_local=False)


def test_progress_bar_on_a_terminal(tmp_path):
    runner = _train(tmp_path, dict(type='LoggerHook', interval=4, progress_bar=True),
                    max_epochs=1, train_cfg=dict(by_epoch=False, max_iters=6, val_interval=3),
                    param_scheduler=None)
    hook = [h for h in runner.hooks if isinstance(h, LoggerHook)][0]
    assert hook.train_bar.enabled and not hook.train_bar.active and not hook.eval_bar.active
