"""Start the default process group for the ``pytorch``, ``slurm`` and ``mpi`` launchers."""
from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
from datetime import timedelta
from typing import Optional

import torch
import torch.distributed as dist

__all__ = ['init_dist', 'default_backend', 'close_dist', 'closing_dist', 'exit_without_finalizing']


def default_backend(requested: Optional[str] = None) -> str:
    """``requested`` if usable here; NCCL needs CUDA, so CPU-only runs fall back to gloo."""
    if requested in (None, 'nccl') and not torch.cuda.is_available():
        return 'gloo'
    return requested or 'nccl'


def init_dist(launcher: str, backend: Optional[str] = None, timeout: Optional[int] = None,
              port: Optional[int] = None, **kwargs) -> None:
    """Initialise ``torch.distributed`` for ``launcher`` (``'pytorch'``, ``'slurm'`` or ``'mpi'``).

    The launcher sets the environment (``torchrun``: RANK/LOCAL_RANK/WORLD_SIZE;
    slurm: SLURM_PROCID/SLURM_NTASKS/SLURM_NODELIST; OpenMPI: OMPI_COMM_WORLD_*);
    this turns it into the env:// rendezvous torch expects.
    """
    if dist.is_initialized():
        return
    if launcher == 'pytorch':
        local_rank = int(os.environ.get('LOCAL_RANK', 0))
    elif launcher == 'slurm':
        local_rank = _setup_slurm_env(port)
    elif launcher == 'mpi':
        local_rank = _setup_mpi_env(port)
    else:
        raise ValueError(f"launcher must be 'pytorch', 'slurm' or 'mpi', got {launcher!r}")
    for key in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
        if key not in os.environ:
            raise RuntimeError(f'the {launcher} launcher needs the environment variable {key}; '
                               f'start the run with torchrun, srun or mpirun')
    backend = default_backend(backend)
    if backend == 'nccl':
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
    if timeout is not None:
        kwargs['timeout'] = timedelta(seconds=timeout)
    dist.init_process_group(backend=backend, **kwargs)


def close_dist(wait: bool = True) -> None:
    """Destroy the default process group, after every rank got here when ``wait``.

    Call it once the runner and model are released: ``destroy_process_group`` only shuts a
    group down, and a group still referenced (after DDP, and by FSDP's per-module mesh info) lives
    on until interpreter exit. Gloo's worker threads then release their tensors while Python
    finalizes, and the process can abort with "terminate called without an active exception"
    after a run that finished. Collecting garbage first lets the group die here instead.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    gc.collect()
    if wait:
        dist.barrier()
    dist.destroy_process_group()
    gc.collect()


@contextlib.contextmanager
def closing_dist():
    """Run the body, then close the process group: with a barrier when the body returned,
    without one when it raised (the other ranks may never reach a barrier then)."""
    try:
        yield
    except BaseException:
        close_dist(wait=False)
        raise
    close_dist()


def exit_without_finalizing(code: int = 0) -> None:
    """Flush stdout and stderr, then end the process with ``code`` at once, skipping
    interpreter finalization (and with it ``atexit`` handlers).

    For a distributed script whose results are already written: a gloo group that DDP or FSDP
    used stays referenced after :func:`close_dist` (see there), and its worker threads, still
    alive during finalization, were seen to abort a rank that had finished its work.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _setup_slurm_env(port: Optional[int]) -> int:
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    node_list = os.environ['SLURM_NODELIST']
    num_gpus = max(torch.cuda.device_count(), 1)
    addr = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ.setdefault('MASTER_ADDR', addr)
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['LOCAL_RANK'] = str(proc_id % num_gpus)
    os.environ['RANK'] = str(proc_id)
    return proc_id % num_gpus


def _setup_mpi_env(port: Optional[int]) -> int:
    try:
        rank = int(os.environ['OMPI_COMM_WORLD_RANK'])
        local_rank = int(os.environ['OMPI_COMM_WORLD_LOCAL_RANK'])
        world_size = int(os.environ['OMPI_COMM_WORLD_SIZE'])
    except KeyError as missing:
        raise RuntimeError(f'the mpi launcher needs {missing} (set by OpenMPI mpirun)') from None
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ.setdefault('MASTER_ADDR', '127.0.0.1')
    os.environ['RANK'] = str(rank)
    os.environ['LOCAL_RANK'] = str(local_rank)
    os.environ['WORLD_SIZE'] = str(world_size)
    return local_rank
