"""Resume semantics: the four load_from/resume cases and bit-identical resumption after SIGKILL."""
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

from runner_toys import assert_same_state, loader_cfg, runner_kwargs, state_dict_of

from mmcls.runner import Runner

HERE = osp.dirname(osp.abspath(__file__))
SCRIPT = osp.join(HERE, 'train_script.py')


def _start(work_dir, *extra):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONHASHSEED='0')
    return subprocess.Popen([sys.executable, SCRIPT, str(work_dir), *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait(proc, expect_rc=0):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == expect_rc, out[-3000:] + err[-3000:]
    return out


def test_sigkill_mid_epoch_then_resume_is_bit_identical(tmp_path):
    """Random draws happen in the workers (dataset jitter) and in the main process (noise,
    dropout); the shuffle depends on the sampler seed and epoch."""
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    workers = ('--workers', '2')
    runs = [_start(full, *workers),
            # 6 iterations per epoch: iteration 15 is in the middle of epoch 3.
            _start(killed, *workers, '--kill-at-iter', '15')]
    _wait(runs[0])
    _wait(runs[1], expect_rc=-signal.SIGKILL)
    assert osp.exists(killed / 'epoch_2.pth') and not osp.exists(killed / 'epoch_3.pth')
    out = _wait(_start(killed, *workers, '--resume'))
    assert 'resumed epoch: 2, iter: 12' in out
    assert_same_state(state_dict_of(full / 'epoch_4.pth'), state_dict_of(killed / 'epoch_4.pth'))
    full_ckpt = torch.load(full / 'epoch_4.pth', weights_only=True)
    resumed_ckpt = torch.load(killed / 'epoch_4.pth', weights_only=True)
    for a, b in zip(full_ckpt['optimizer']['state'].values(),
                    resumed_ckpt['optimizer']['state'].values()):
        assert torch.equal(a['momentum_buffer'], b['momentum_buffer'])


def _runner(work_dir, **kwargs):
    torch.set_num_threads(1)
    return Runner(**runner_kwargs(str(work_dir), **kwargs))


def test_resume_true_without_load_from_uses_latest(tmp_path):
    _runner(tmp_path, max_epochs=2).train()
    runner = _runner(tmp_path, max_epochs=3, resume=True)
    runner.train()
    assert runner.epoch == 3
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert 'resumed epoch: 2, iter: 12' in log


def test_resume_true_with_load_from_resumes_that_file(tmp_path):
    _runner(tmp_path / 'a', max_epochs=2).train()
    runner = _runner(tmp_path / 'b', max_epochs=3, resume=True,
                     load_from=str(tmp_path / 'a' / 'epoch_1.pth'))
    runner.train()
    log = open(osp.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert 'resumed epoch: 1, iter: 6' in log
    assert runner.iter == 18


def test_load_from_without_resume_loads_weights_only(tmp_path):
    _runner(tmp_path / 'a', max_epochs=1).train()
    runner = _runner(tmp_path / 'b', max_epochs=1, load_from=str(tmp_path / 'a' / 'epoch_1.pth'),
                     val=False, default_hooks=dict(checkpoint=None))
    runner.train_loop  # build
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.load_or_resume()
    assert runner.epoch == 0 and runner.iter == 0
    assert_same_state(runner.model.state_dict(), state_dict_of(tmp_path / 'a' / 'epoch_1.pth'))


def test_no_resume_no_load_from_starts_fresh(tmp_path):
    _runner(tmp_path, max_epochs=1).train()
    runner = _runner(tmp_path, max_epochs=1, val=False)
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.load_or_resume()
    assert runner.epoch == 0
    assert_same_state(before, runner.model.state_dict())


def test_iter_based_resume_matches_uninterrupted(tmp_path):
    """Resuming replays the skipped batches (through 2 workers with random jitter)."""
    common = dict(train_dataloader=loader_cfg(num_workers=2, jitter=0.1),
                  train_cfg=dict(by_epoch=False, max_iters=15, val_interval=5),
                  param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[8])],
                  default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=5,
                                                     by_epoch=False)))
    _runner(tmp_path / 'full', **common).train()
    runner = _runner(tmp_path / 'resumed', resume=True,
                     load_from=str(tmp_path / 'full' / 'iter_10.pth'), **common)
    runner.train()
    assert runner.iter == 15
    assert_same_state(state_dict_of(tmp_path / 'full' / 'iter_15.pth'),
                      state_dict_of(tmp_path / 'resumed' / 'iter_15.pth'))


def test_resume_from_weights_only_file_is_a_clear_error(tmp_path):
    torch.save({'state_dict': {}}, tmp_path / 'weights.pth')
    runner = _runner(tmp_path, resume=True, load_from=str(tmp_path / 'weights.pth'))
    with pytest.raises(KeyError, match='weights file'):
        runner.train()
