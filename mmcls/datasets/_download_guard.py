"""Run a download on the main process only, the other ranks waiting for it."""
from __future__ import annotations

from typing import Callable

__all__ = ['download_once']


def download_once(download: Callable[[], None]) -> None:
    """Call ``download`` on rank 0 and make every rank wait until it is done."""
    from mmcls.utils.dist import barrier, get_dist_info

    rank, world_size = get_dist_info()
    if rank == 0:
        download()
    if world_size > 1:
        barrier()
