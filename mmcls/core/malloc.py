"""glibc heap settings for processes that decode images.

glibc serves an allocation above its mmap threshold (128 KiB at start, raised
as large blocks are freed) with a fresh ``mmap`` and hands it back to the
kernel on ``free``; free memory at the top of the heap beyond the trim
threshold is returned too.  A decoded 500x375 photo is 560 KiB and every
resize or crop of it another few hundred KiB, so a data pipeline keeps getting
fresh pages, and each first touch of a 4 KiB page is a page fault the kernel
fills with zeros.  Raising both thresholds lets freed image buffers stay in
the heap and be reused, warm, by the next sample.

DataLoader workers get this from :func:`mmcls.core.randomness.worker_init_fn`
(``env_cfg.mp_cfg.worker_malloc_cache_mb``); the main process is left alone.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import platform
from typing import Optional

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc refuses an mmap threshold above HEAP_MAX_SIZE / 2 (32 MiB on 64-bit)
_MAX_MMAP_THRESHOLD_MB = 32


def _glibc() -> Optional[ctypes.CDLL]:
    if platform.system() != 'Linux' or platform.libc_ver()[0] != 'glibc':
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
    except OSError:
        return None


def keep_freed_memory(cache_mb: Optional[float]) -> bool:
    """Let this process keep up to ``cache_mb`` MiB of freed memory for reuse.

    Blocks below ``min(cache_mb, 32)`` MiB come from the heap instead of their
    own mapping, and the heap keeps up to ``cache_mb`` MiB of free memory at
    its top before returning it to the kernel.  ``None`` or ``0`` changes
    nothing.  Returns whether the settings were applied: False off glibc
    (macOS, Windows, musl), where the allocator is left as it is.
    """
    if not cache_mb:
        return False
    if cache_mb < 0:
        raise ValueError(f'worker_malloc_cache_mb must be positive or None, got {cache_mb}')
    libc = _glibc()
    if libc is None:
        return False
    trim = int(cache_mb * 2**20)
    mmap = int(min(cache_mb, _MAX_MMAP_THRESHOLD_MB) * 2**20)
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, trim))


__all__ = ['keep_freed_memory']
