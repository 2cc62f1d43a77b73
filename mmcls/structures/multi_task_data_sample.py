"""MultiTaskDataSample: one sample's data for several tasks, one field per task.

Each task field holds that task's data sample (a ``ClsDataSample``, or a nested
``MultiTaskDataSample`` for a group of sub-tasks); the metainfo (image path, shapes) is shared.
"""
from __future__ import annotations

from typing import List

from .base_data_element import BaseDataElement

__all__ = ['MultiTaskDataSample']


class MultiTaskDataSample(BaseDataElement):
    """A data sample whose data fields are the per-task data samples."""

    @property
    def tasks(self) -> List[str]:
        """The names of the tasks this sample holds, sorted."""
        return sorted(self.keys())
