"""A read-only list of picklable items packed into one numpy byte buffer.

Dataloader workers forked from the main process share its memory until an
object's reference count is touched; a Python list of a million dicts is
touched all over and gets copied into every worker.  One ``uint8`` array plus
an ``int64`` array of end offsets is two objects, so the pages stay shared.
Items are pickled one at a time while iterating, so a generator of items is
packed without ever holding all of them as Python objects.
"""
from __future__ import annotations

import pickle
from array import array
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

__all__ = ['SerializedList']


class SerializedList:
    """Pack ``items`` (any iterable of picklable objects); index to get a fresh copy back."""

    def __init__(self, items: Iterable[Any] = ()):
        buffer = bytearray()
        ends = array('q')
        for item in items:
            buffer += pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
            ends.append(len(buffer))
        self.data_bytes = np.frombuffer(buffer, dtype=np.uint8) if buffer else np.zeros(0, np.uint8)
        self.data_address = np.frombuffer(ends, dtype=np.int64) if ends else np.zeros(0, np.int64)

    @classmethod
    def _from_arrays(cls, data_bytes: np.ndarray, data_address: np.ndarray) -> 'SerializedList':
        new = cls.__new__(cls)
        new.data_bytes = data_bytes
        new.data_address = data_address
        return new

    def __len__(self) -> int:
        return len(self.data_address)

    def _span(self, index: int):
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(f'index {index} is out of range for {size} serialized items')
        start = int(self.data_address[index - 1]) if index > 0 else 0
        return start, int(self.data_address[index])

    def __getitem__(self, index: int) -> Any:
        start, end = self._span(int(index))
        return pickle.loads(memoryview(self.data_bytes)[start:end])

    def __iter__(self) -> Iterator[Any]:
        for index in range(len(self)):
            yield self[index]

    def subset(self, indices: Sequence[int]) -> 'SerializedList':
        """A new list holding the items at ``indices`` (in that order), copied byte-wise."""
        spans = [self._span(int(i)) for i in indices]
        if not spans:
            return self._from_arrays(np.zeros(0, np.uint8), np.zeros(0, np.int64))
        lengths = np.array([end - start for start, end in spans], dtype=np.int64)
        data_bytes = np.concatenate([self.data_bytes[start:end] for start, end in spans])
        return self._from_arrays(data_bytes, np.cumsum(lengths))

    @property
    def nbytes(self) -> int:
        """Bytes held by the two buffers."""
        return int(self.data_bytes.nbytes + self.data_address.nbytes)
