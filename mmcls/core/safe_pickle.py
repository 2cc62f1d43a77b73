"""A restricted unpickler for foreign checkpoints: data in, never code.

Checkpoints written by MMEngine or old training scripts pickle their own
classes (``MessageHub``, ``ConfigDict``, numpy arrays...).  ``torch.load`` with
``weights_only=True`` refuses them, and normal unpickling would import and run
whatever the file names.  This unpickler accepts tensors, storages, plain
containers and numpy arrays, and replaces every other global (class or
function) by an inert :class:`Placeholder` subclass that only records the
arguments it was given.  Nothing outside the allow-list is ever imported.
"""
from __future__ import annotations

import pickle
import types
from typing import Any, Dict, List, Tuple

__all__ = ['Placeholder', 'RestrictedUnpickler', 'restricted_pickle_module', 'is_placeholder']

# (module, name) pairs resolved normally: constructors of tensors and plain data.
_ALLOWED_GLOBALS = {
    ('collections', 'OrderedDict'), ('collections', 'defaultdict'),
    ('builtins', 'set'), ('builtins', 'frozenset'), ('builtins', 'slice'),
    ('builtins', 'complex'), ('builtins', 'range'), ('builtins', 'bytearray'),
    ('builtins', 'bytes'), ('builtins', 'list'), ('builtins', 'dict'), ('builtins', 'tuple'),
    ('builtins', 'int'), ('builtins', 'float'), ('builtins', 'str'), ('builtins', 'bool'),
    ('_codecs', 'encode'),
    ('torch', 'Size'), ('torch', 'device'), ('torch', 'dtype'),
    ('torch._tensor', '_rebuild_from_type_v2'), ('torch.nn.parameter', 'Parameter'),
    ('torch.serialization', '_get_layout'), ('torch', 'Tensor'),
}
_ALLOWED_NUMPY = {'_reconstruct', 'scalar', 'ndarray', 'dtype'}
_NUMPY_MODULES = {'numpy', 'numpy.core.multiarray', 'numpy._core.multiarray', 'numpy.dtypes'}


class Placeholder:
    """Inert stand-in for an object of a class the unpickler would not import.

    ``placeholder_of`` is ``'module.Name'``; ``args``/``kwargs`` are what pickle
    passed to the constructor, ``state`` what it passed to ``__setstate__``,
    ``items``/``list_items`` what it stored with item assignment or ``append``.
    """
    placeholder_of = ''

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        obj.args, obj.kwargs, obj.state = args, kwargs, None
        obj.items, obj.list_items = {}, []
        return obj

    def __init__(self, *args, **kwargs):
        # Arguments were recorded by __new__; nothing else happens on purpose.
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:
        self.items[key] = value

    def append(self, value: Any) -> None:
        self.list_items.append(value)

    def extend(self, values) -> None:
        self.list_items.extend(values)

    def __repr__(self) -> str:
        return f'<Placeholder of {self.placeholder_of}>'


def is_placeholder(obj: Any) -> bool:
    return isinstance(obj, Placeholder) or (isinstance(obj, type) and issubclass(obj, Placeholder))


def _allowed_torch_global(module: str, name: str) -> Any:
    """Return the torch object for (module, name) if it is a tensor/data constructor, else None."""
    import torch
    if module == 'torch._utils' and name.startswith('_rebuild_'):
        return getattr(torch._utils, name, None)
    if module == 'torch':
        obj = getattr(torch, name, None)
        if isinstance(obj, (torch.dtype, torch.layout, torch.memory_format)):
            return obj
    return None


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler whose ``find_class`` only resolves allow-listed globals.

    Every refused global becomes a fresh :class:`Placeholder` subclass; their
    names are collected in ``replaced`` so callers can report them.
    """
    _placeholder_cache: Dict[Tuple[str, str], type] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.replaced: List[str] = []

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module in _NUMPY_MODULES and name in _ALLOWED_NUMPY:
            return super().find_class(module, name)
        if module == 'numpy.dtypes' or (module == 'numpy' and name.endswith('DType')):
            return super().find_class(module, name)
        if module.startswith('torch'):
            obj = _allowed_torch_global(module, name)
            if obj is not None:
                return obj
        self.replaced.append(f'{module}.{name}')
        return self._placeholder(module, name)

    @classmethod
    def _placeholder(cls, module: str, name: str) -> type:
        key = (module, name)
        if key not in cls._placeholder_cache:
            cls._placeholder_cache[key] = type(name, (Placeholder,), dict(
                placeholder_of=f'{module}.{name}', __module__='mmcls.core.safe_pickle'))
        return cls._placeholder_cache[key]


def _load(file, **kwargs):
    return RestrictedUnpickler(file, **kwargs).load()


# A module-like object accepted by ``torch.load(pickle_module=...)``.
restricted_pickle_module = types.SimpleNamespace(
    __name__='mmcls_restricted_pickle', Unpickler=RestrictedUnpickler, load=_load,
    UnpicklingError=pickle.UnpicklingError)
