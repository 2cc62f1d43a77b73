"""Seeding and RNG state capture, for reproducible and resumable runs."""
from __future__ import annotations

import os
import random
from typing import Optional

import numpy as np
import torch

from mmcls.utils.dist import broadcast_object_list, get_dist_info

from .malloc import keep_freed_memory

__all__ = ['set_random_seed', 'sync_random_seed', 'worker_init_fn', 'get_rng_state',
           'set_rng_state', 'preserved_rng_state']


def sync_random_seed() -> int:
    """A random seed drawn on rank 0 and shared with every rank."""
    seed = [int(np.random.randint(2**31))]
    return broadcast_object_list(seed, src=0)[0]


def set_random_seed(seed: Optional[int] = None,
                    deterministic: bool = False,
                    diff_rank_seed: bool = False) -> int:
    """Seed python, numpy and torch (all devices) and return the seed used.

    ``seed=None`` draws one (shared by all ranks).  ``diff_rank_seed`` adds the
    rank so each process differs; ``deterministic`` asks cuDNN and torch for
    deterministic algorithms.
    """
    if seed is None:
        seed = sync_random_seed()
    if diff_rank_seed:
        seed += get_dist_info()[0]
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ['PYTHONHASHSEED'] = str(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        # cuBLAS needs this workspace setting to be deterministic on CUDA >= 10.2.
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
        torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


def worker_init_fn(worker_id: int, num_workers: int, rank: int, seed: Optional[int],
                   opencv_num_threads: Optional[int] = None,
                   malloc_cache_mb: Optional[float] = None) -> None:
    """Seed a dataloader worker differently per worker, rank and epoch.

    ``opencv_num_threads`` (``env_cfg.mp_cfg``) is applied in the worker too: workers started
    with ``spawn`` do not inherit the main process's OpenCV setting. ``malloc_cache_mb``
    lets the worker keep that much freed memory for the next samples' image buffers
    (:func:`mmcls.core.malloc.keep_freed_memory`).

    PyTorch gives each worker ``base_seed + worker_id`` (``base_seed`` is drawn
    from the main process RNG when the iterator starts, so it changes every
    epoch and follows the run seed); the rank is mixed in so ranks differ too.
    """
    base = torch.initial_seed()
    mixed = np.random.SeedSequence([base % 2**32, rank, worker_id, num_workers,
                                    0 if seed is None else seed % 2**32])
    worker_seed = int(mixed.generate_state(1)[0])
    random.seed(worker_seed)
    np.random.seed(worker_seed)
    torch.manual_seed(worker_seed)
    if opencv_num_threads is not None:
        import cv2
        cv2.setNumThreads(int(opencv_num_threads))
    keep_freed_memory(malloc_cache_mb)


def get_rng_state() -> dict:
    """The python, numpy and torch RNG states as tensors and plain types (checkpoint-safe)."""
    version, py_state, gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = dict(
        python=dict(version=version, state=list(py_state), gauss=gauss),
        numpy=dict(name=np_name, keys=torch.from_numpy(np_keys.astype(np.int64)), pos=int(np_pos),
                   has_gauss=int(np_has_gauss), gauss=float(np_gauss)),
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore states captured by :func:`get_rng_state`."""
    py = state['python']
    random.setstate((py['version'], tuple(py['state']), py['gauss']))
    npy = state['numpy']
    np.random.set_state((npy['name'], npy['keys'].numpy().astype(np.uint32), npy['pos'],
                         npy['has_gauss'], npy['gauss']))
    torch.set_rng_state(state['torch'].cpu())
    cuda = state.get('cuda')
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])


class preserved_rng_state:
    """Context manager that restores every RNG after the block (e.g. validation during training).

    Validation draws random numbers (dataloader seeds, augmentations); keeping
    them out of the training stream makes a resumed run follow the same draws.
    """

    def __enter__(self):
        self._state = get_rng_state()
        return self

    def __exit__(self, *exc):
        set_rng_state(self._state)
        return False
