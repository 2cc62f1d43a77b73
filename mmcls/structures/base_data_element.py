"""A container of per-sample data fields plus meta information.

Two kinds of fields: *metainfo* (image path, shapes, ...; set once, never
moved between devices) and *data* (tensors and arrays that follow ``to()``).
Both are read as attributes.  This mirrors MMEngine's ``BaseDataElement`` so
user code written against MMClassification 1.x keeps working.
"""
from __future__ import annotations

import copy
from typing import Any, Iterator, Optional, Tuple

import torch

# Tensors up to this many elements are pickled by value (as numpy arrays), see
# ``BaseDataElement.__reduce__``.
PICKLE_BY_VALUE_NUMEL = 1 << 16
_NUMPY_DTYPES = frozenset({torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32,
                           torch.int64, torch.float16, torch.float32, torch.float64})


def _travels_by_value(value: Any) -> bool:
    return (type(value) is torch.Tensor and value.device.type == 'cpu'
            and value.layout == torch.strided and not value.requires_grad
            and value.dtype in _NUMPY_DTYPES and value.numel() <= PICKLE_BY_VALUE_NUMEL)


def _rebuild_element(cls: type, state: dict, tensor_keys: Tuple[str, ...]) -> 'BaseDataElement':
    """Unpickling helper of :meth:`BaseDataElement.__reduce__`."""
    element = cls.__new__(cls)
    for key in tensor_keys:
        state[key] = torch.from_numpy(state[key])
    element.__dict__.update(state)
    return element


class BaseDataElement:
    """Hold metainfo and data fields; move data fields with ``to()``/``cpu()``."""

    def __init__(self, *, metainfo: Optional[dict] = None, **kwargs) -> None:
        object.__setattr__(self, '_metainfo_fields', set())
        object.__setattr__(self, '_data_fields', set())
        if metainfo is not None:
            self.set_metainfo(metainfo)
        if kwargs:
            self.set_data(kwargs)

    # -- setting ----------------------------------------------------------
    def set_metainfo(self, metainfo: dict) -> None:
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo must be a dict, got {type(metainfo).__name__}')
        clash = self._data_fields.intersection(metainfo)
        if clash:
            raise AttributeError(f'cannot set {sorted(clash)} as metainfo: already data fields')
        self._metainfo_fields.update(metainfo)
        for key, value in metainfo.items():
            object.__setattr__(self, key, value)

    def set_data(self, data: dict) -> None:
        if not isinstance(data, dict):
            raise TypeError(f'data must be a dict, got {type(data).__name__}')
        for key, value in data.items():
            setattr(self, key, value)

    def set_field(self, value: Any, name: str, dtype=None, field_type: str = 'data') -> None:
        if field_type not in ('metainfo', 'data'):
            raise ValueError(f"field_type must be 'metainfo' or 'data', got {field_type!r}")
        if dtype is not None and not isinstance(value, dtype):
            raise TypeError(f'{name} must be of type {dtype}, got {type(value).__name__}')
        own, other = ((self._metainfo_fields, self._data_fields) if field_type == 'metainfo'
                      else (self._data_fields, self._metainfo_fields))
        if name in other:
            raise AttributeError(f'cannot set {name!r} as {field_type}: it is already a '
                                 f'{"data" if field_type == "metainfo" else "metainfo"} field')
        own.add(name)
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith('_'):
            object.__setattr__(self, name, value)
        elif name in self._metainfo_fields:
            object.__setattr__(self, name, value)
        else:
            self.set_field(value, name, field_type='data')

    def __delattr__(self, name: str) -> None:
        if name.startswith('_'):
            raise AttributeError(f'{name} is private and cannot be deleted')
        object.__delattr__(self, name)
        self._metainfo_fields.discard(name)
        self._data_fields.discard(name)

    __delitem__ = __delattr__

    def pop(self, name: str, *default) -> Any:
        if name in self._metainfo_fields or name in self._data_fields:
            value = getattr(self, name)
            delattr(self, name)
            return value
        if default:
            return default[0]
        raise KeyError(f'{name} is not a field of this {type(self).__name__}')

    # -- reading ----------------------------------------------------------
    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default) if name in self else default

    def __contains__(self, name: object) -> bool:
        return name in self._data_fields or name in self._metainfo_fields

    def keys(self) -> list:
        return sorted(self._data_fields)

    def metainfo_keys(self) -> list:
        return sorted(self._metainfo_fields)

    def values(self) -> list:
        return [value for _, value in self.items()]

    def metainfo_values(self) -> list:
        return [value for _, value in self.metainfo_items()]

    def items(self) -> Iterator[Tuple[str, Any]]:
        yield from self._named_values(self.keys())

    def metainfo_items(self) -> Iterator[Tuple[str, Any]]:
        yield from self._named_values(self.metainfo_keys())

    def _named_values(self, names: list) -> Iterator[Tuple[str, Any]]:
        for name in names:
            yield name, getattr(self, name)

    def all_keys(self) -> list:
        return self.metainfo_keys() + self.keys()

    def all_items(self) -> Iterator[Tuple[str, Any]]:
        yield from self.metainfo_items()
        yield from self.items()

    @property
    def metainfo(self) -> dict:
        return dict(self.metainfo_items())

    def to_dict(self) -> dict:
        """All fields as a plain dict, nested elements converted too."""
        return {k: v.to_dict() if isinstance(v, BaseDataElement) else v
                for k, v in self.all_items()}

    # -- copying and moving ----------------------------------------------
    def new(self, *, metainfo: Optional[dict] = None, **kwargs) -> 'BaseDataElement':
        """A copy with the same metainfo (updated by ``metainfo``) and only ``kwargs`` as data."""
        new = type(self).__new__(type(self))
        BaseDataElement.__init__(new, metainfo=copy.deepcopy(self.metainfo))
        if metainfo is not None:
            new.set_metainfo(metainfo)
        if kwargs:
            new.set_data(kwargs)
        else:
            new.set_data(dict(self.items()))
        return new

    def clone(self) -> 'BaseDataElement':
        clone = type(self).__new__(type(self))
        BaseDataElement.__init__(clone, metainfo=dict(self.metainfo_items()))
        clone.set_data(dict(self.items()))
        return clone

    def _apply(self, fn) -> 'BaseDataElement':
        new = self.new()
        for k, v in self.items():
            if isinstance(v, BaseDataElement):
                setattr(new, k, v._apply(fn))
            elif hasattr(v, 'to') and callable(getattr(v, 'to')) and hasattr(v, 'device'):
                setattr(new, k, fn(v))
        return new

    def to(self, *args, **kwargs) -> 'BaseDataElement':
        return self._apply(lambda t: t.to(*args, **kwargs))

    def cpu(self) -> 'BaseDataElement':
        return self._apply(lambda t: t.cpu())

    def cuda(self) -> 'BaseDataElement':
        return self._apply(lambda t: t.cuda())

    def detach(self) -> 'BaseDataElement':
        return self._apply(lambda t: t.detach())

    def numpy(self) -> 'BaseDataElement':
        return self._apply(lambda t: t.detach().cpu().numpy())

    def __reduce__(self):
        """Pickle small CPU tensors (labels, scores) as numpy arrays.

        A DataLoader worker sends a batch's data samples to the main process
        by pickle, and torch pickles every tensor there into a shared-memory
        segment of its own: one segment, file descriptor and socket round trip
        per one-element label, which costs the main process more than the image
        batch itself.  By value they cost a few bytes; unpickling restores equal
        tensors (same dtype, shape and values).  Larger tensors, tensors on a
        device or requiring grad keep torch's own pickling.
        """
        state = dict(self.__dict__)
        tensor_keys = tuple(key for key, value in state.items() if _travels_by_value(value))
        for key in tensor_keys:
            state[key] = state[key].numpy()
        return _rebuild_element, (type(self), state, tensor_keys)

    def __repr__(self) -> str:
        def fmt(items):
            return ''.join(f'\n        {k}: {v!r}' for k, v in items)
        return (f'<{type(self).__name__}(\n    META INFORMATION{fmt(self.metainfo_items())}\n'
                f'    DATA FIELDS{fmt(self.items())}\n) at {hex(id(self))}>')
