"""A progress bar shown by the main process only (other ranks iterate silently)."""
from __future__ import annotations

from typing import Iterable, Iterator, TypeVar

import rich.progress

from .dist import is_main_process

__all__ = ['track_on_main_process']

T = TypeVar('T')


def track_on_main_process(sequence: Iterable[T], *args, **kwargs) -> Iterator[T]:
    """Yield the items of ``sequence``; on rank 0 with a ``rich`` progress bar.

    ``args``/``kwargs`` go to :func:`rich.progress.track` (``description``, ``total``, ...).
    """
    if is_main_process():
        yield from rich.progress.track(sequence, *args, **kwargs)
    else:
        yield from sequence
