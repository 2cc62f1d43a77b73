"""CheckpointHook: interval, by_epoch, max_keep_ckpts, save_last, save_best/rule, out_dir."""
import os
import os.path as osp

import pytest
import torch

from runner_toys import runner_kwargs

from mmcls.engine.hooks import CheckpointHook
from mmcls.runner import Runner


def _train(tmp_path, checkpoint, **kwargs):
    torch.set_num_threads(1)
    kwargs.setdefault('max_epochs', 4)
    runner = Runner(**runner_kwargs(str(tmp_path), default_hooks=dict(checkpoint=checkpoint),
                                    **kwargs))
    runner.train()
    return runner


def _ckpts(path):
    return sorted(n for n in os.listdir(path) if n.endswith('.pth'))


def test_interval_and_save_last(tmp_path):
    _train(tmp_path, dict(type='CheckpointHook', interval=3))
    assert _ckpts(tmp_path) == ['epoch_3.pth', 'epoch_4.pth']
    assert open(tmp_path / 'last_checkpoint').read() == str(tmp_path / 'epoch_4.pth')
    meta = torch.load(tmp_path / 'epoch_3.pth', weights_only=True)['meta']
    assert (meta['epoch'], meta['iter']) == (3, 18)


def test_no_save_last(tmp_path):
    _train(tmp_path, dict(type='CheckpointHook', interval=3, save_last=False))
    assert _ckpts(tmp_path) == ['epoch_3.pth']


def test_max_keep_ckpts(tmp_path):
    _train(tmp_path, dict(type='CheckpointHook', interval=1, max_keep_ckpts=2))
    assert _ckpts(tmp_path) == ['epoch_3.pth', 'epoch_4.pth']


def test_by_iter_and_out_dir(tmp_path):
    out = tmp_path / 'out'
    _train(tmp_path / 'work', dict(type='CheckpointHook', interval=5, by_epoch=False,
                                   out_dir=str(out)), max_epochs=2)
    assert _ckpts(out / 'work') == ['iter_10.pth', 'iter_12.pth', 'iter_5.pth']
    meta = torch.load(out / 'work' / 'iter_5.pth', weights_only=True)['meta']
    assert meta['iter'] == 5


def test_save_best_auto_keeps_one_best_file(tmp_path):
    runner = _train(tmp_path, dict(type='CheckpointHook', interval=10, save_best='auto'),
                    max_epochs=3)
    best = [n for n in _ckpts(tmp_path) if n.startswith('best_')]
    assert len(best) == 1 and best[0].startswith('best_toy_accuracy_epoch_')
    assert runner.message_hub.get_info('best_score_toy/accuracy') == pytest.approx(100.0)
    meta = torch.load(tmp_path / best[0], weights_only=True)['meta']
    assert meta['epoch'] == int(best[0].split('_')[-1][:-4])


def test_save_best_without_optimizer(tmp_path):
    _train(tmp_path, dict(type='CheckpointHook', interval=1, save_optimizer=False,
                          save_param_scheduler=False), max_epochs=1)
    ckpt = torch.load(tmp_path / 'epoch_1.pth', weights_only=True)
    assert 'optimizer' not in ckpt and 'param_schedulers' not in ckpt


def test_rule_inference_and_errors():
    hook = CheckpointHook(save_best='accuracy/top1')
    assert hook._infer_rule('accuracy/top1') == 'greater'
    assert hook._infer_rule('val/loss') == 'less'
    with pytest.raises(ValueError, match='cannot infer'):
        hook._infer_rule('weird')
    with pytest.raises(KeyError, match='rule'):
        CheckpointHook(save_best='acc', rule='bigger')
    with pytest.raises(ValueError, match='auto'):
        CheckpointHook(save_best=['auto', 'acc'])


def test_save_best_unknown_metric_is_named(tmp_path):
    with pytest.raises(KeyError, match='nope'):
        _train(tmp_path, dict(type='CheckpointHook', interval=10, save_best='nope'),
               max_epochs=1)


def test_keeps_plain_layout(tmp_path):
    _train(tmp_path, dict(type='CheckpointHook', interval=1), max_epochs=1)
    ckpt = torch.load(osp.join(tmp_path, 'epoch_1.pth'), weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict', 'optimizer', 'param_schedulers', 'message_hub'}


def test_published_keys(tmp_path):
    _train(tmp_path, dict(type='CheckpointHook', interval=1, published_keys=['meta',
                                                                            'state_dict']),
           max_epochs=1)
    published = [n for n in _ckpts(tmp_path) if n.startswith('epoch_1-')]
    assert len(published) == 1 and len(published[0]) == len('epoch_1-12345678.pth')
    ckpt = torch.load(tmp_path / published[0], weights_only=True)
    assert set(ckpt) == {'meta', 'state_dict'}
    with pytest.raises(ValueError, match='state_dict'):
        CheckpointHook(published_keys=['meta'])


def test_remote_storage_arguments_are_rejected():
    with pytest.raises(ValueError, match='remote storage'):
        CheckpointHook(backend_args=dict(backend='petrel'))
