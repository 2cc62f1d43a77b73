"""A rich progress bar for loops when stdout is a terminal; nothing otherwise.

Log lines keep printing above the bar (rich redirects stdout while the bar
is live); in files, pipes and CI only the plain log lines appear.
"""
from __future__ import annotations

import sys
from typing import Optional

__all__ = ['LoopProgress']


class LoopProgress:
    """One bar at a time: ``start(description, total)``, ``advance()``, ``stop()``.

    Args:
        enable: True/False to force; None shows the bar only when stdout is a TTY.
    """

    def __init__(self, enable: Optional[bool] = None):
        self.enabled = sys.stdout.isatty() if enable is None else enable
        self._progress = None
        self._task = None

    @property
    def active(self) -> bool:
        return self._progress is not None

    def start(self, description: str, total: int, completed: int = 0) -> None:
        if not self.enabled:
            return
        self.stop()
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)
        self._progress = Progress(TextColumn('{task.description}'), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TimeRemainingColumn(), transient=True)
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, completed=completed)

    def advance(self, steps: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, steps)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None
