"""``keep_freed_memory``: image-sized blocks come from the reusable heap, not fresh mappings."""
import ctypes
import platform
import subprocess
import sys

import pytest

from mmcls.core.malloc import keep_freed_memory

# Allocates an 8 MiB array and reports how many bytes glibc holds in mmap-ed blocks
# (mallinfo2().hblkhd) while it lives: 8 MiB and more without the setting, ~0 with it.
PROBE = '''
import ctypes, sys
import numpy as np
from mmcls.core.malloc import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks',
        'fordblks', 'keepcost')]

libc = ctypes.CDLL('libc.so.6')
libc.mallinfo2.restype = MallInfo2
applied = keep_freed_memory(float(sys.argv[1])) if sys.argv[1] != 'off' else False
before = libc.mallinfo2().hblkhd
block = np.ones(8 * 2**20, np.uint8)
print(applied, libc.mallinfo2().hblkhd - before)
'''


def _mapped_bytes(setting: str):
    out = subprocess.run([sys.executable, '-c', PROBE, setting], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0] == 'True', int(out[1])


def _has_mallinfo2() -> bool:
    return platform.libc_ver()[0] == 'glibc' and hasattr(ctypes.CDLL('libc.so.6'), 'mallinfo2')


@pytest.mark.skipif(not _has_mallinfo2(), reason='needs glibc >= 2.33 (mallinfo2)')
def test_image_sized_blocks_stay_in_the_heap():
    applied, mapped = _mapped_bytes('off')
    assert not applied and mapped >= 8 * 2**20  # glibc maps a fresh 8 MiB block by default
    applied, mapped = _mapped_bytes('64')
    assert applied and mapped < 2**20


def test_nothing_to_do_and_bad_values():
    assert keep_freed_memory(None) is False
    assert keep_freed_memory(0) is False
    with pytest.raises(ValueError, match='worker_malloc_cache_mb'):
        keep_freed_memory(-1)
