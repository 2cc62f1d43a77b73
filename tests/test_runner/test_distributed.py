"""Distributed training: two gloo processes equal one process with the doubled batch."""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from runner_toys import state_dict_of

from mmcls.core.launcher import closing_dist, default_backend, init_dist

SCRIPT = osp.join(osp.dirname(osp.abspath(__file__)), 'train_script.py')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _env(**extra):
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    env.update({k: str(v) for k, v in extra.items()})
    return env


def test_two_process_ddp_matches_single_process_double_batch(tmp_path):
    common = ['--max-epochs', '2', '--no-dropout', '--plain-data']
    single = subprocess.run([sys.executable, SCRIPT, str(tmp_path / 'single'), *common,
                             '--batch-size', '8'], env=_env(),
                            capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]
    port = _free_port()
    procs = [subprocess.Popen([sys.executable, SCRIPT, str(tmp_path / 'ddp'), *common,
                               '--batch-size', '4', '--launcher', 'pytorch'],
                              env=_env(RANK=rank, WORLD_SIZE=2, LOCAL_RANK=rank,
                                       MASTER_ADDR='127.0.0.1', MASTER_PORT=port),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-3000:]
    assert 'Distributed training: True' in outputs[0][0]
    single_state = state_dict_of(tmp_path / 'single' / 'epoch_2.pth')
    ddp_state = state_dict_of(tmp_path / 'ddp' / 'epoch_2.pth')
    assert single_state.keys() == ddp_state.keys()  # no 'module.' prefix
    for key in single_state:
        torch.testing.assert_close(ddp_state[key], single_state[key], rtol=1e-5, atol=1e-6)


def test_backend_falls_back_to_gloo_without_cuda():
    if not torch.cuda.is_available():
        assert default_backend('nccl') == 'gloo'
    assert default_backend('gloo') == 'gloo'


def test_launcher_errors_are_explicit(monkeypatch):
    with pytest.raises(ValueError, match='launcher'):
        init_dist('ssh')
    monkeypatch.delenv('OMPI_COMM_WORLD_RANK', raising=False)
    with pytest.raises(RuntimeError, match='OMPI_COMM_WORLD_RANK'):
        init_dist('mpi')


@pytest.mark.parametrize('raises', [False, True])
def test_closing_dist_destroys_the_group_and_skips_the_barrier_after_an_error(
        tmp_path, monkeypatch, raises):
    """A body that raised may leave other ranks short of any barrier: the group is destroyed
    without one, and the error comes through."""
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
                            world_size=1)
    barriers = []
    barrier = dist.barrier
    monkeypatch.setattr(dist, 'barrier', lambda *a, **k: barriers.append(1) or barrier(*a, **k))
    try:
        with closing_dist():
            if raises:
                raise KeyError('crashed')
    except KeyError:
        assert raises
    assert not dist.is_initialized()
    assert barriers == ([] if raises else [1])
