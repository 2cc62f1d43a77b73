"""``ConfigDict``: a dict with attribute access, used for every mapping of a config.

Nested mappings (also those inside lists and tuples) are converted on the way
in, so ``cfg.model.backbone.depth`` works at any depth.  Each ConfigDict
remembers the config file it came from, so a missing key names that file.
"""
from __future__ import annotations

import copy
import difflib
from typing import Any, Dict, Iterable, List, Mapping, Optional

__all__ = ['ConfigDict']


def _close_keys(name: object, keys: Iterable[object]) -> List[str]:
    """The keys that look like ``name`` (for "did you mean" hints)."""
    if not isinstance(name, str):
        return []
    candidates = [k for k in keys if isinstance(k, str)]
    return difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)


def _missing_key_message(name: object, keys: Iterable[object], source: Optional[str],
                         path: str = '') -> str:
    inside = f' in {path!r}' if path else ''
    where = f" (config file: '{source}')" if source else ''
    message = f'config has no key {name!r}{inside}{where}'
    hints = _close_keys(name, keys)
    if hints:
        message += '; did you mean ' + ', '.join(repr(h) for h in hints) + '?'
    return message


def _join(path: str, key: Any) -> str:
    return f'{path}.{key}' if path else str(key)


def convert_value(value: Any, source: Optional[str], path: str = '') -> Any:
    """Return ``value`` with every mapping inside it turned into a ConfigDict.

    Lists and tuples are rebuilt (a tuple stays a tuple); other values are
    returned unchanged.  ``source`` and the dotted ``path`` of the value are
    kept for error messages.
    """
    if isinstance(value, Mapping):
        return ConfigDict._from_mapping(value, source, path)
    if isinstance(value, list):
        return [convert_value(v, source, _join(path, i)) for i, v in enumerate(value)]
    if type(value) is tuple:
        return tuple(convert_value(v, source, _join(path, i)) for i, v in enumerate(value))
    return value


def plain_value(value: Any) -> Any:
    """Return ``value`` with every ConfigDict inside it turned into a plain dict."""
    if isinstance(value, Mapping):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    if type(value) is tuple:
        return tuple(plain_value(v) for v in value)
    return value


def _restore(items: Dict[Any, Any], source: Optional[str], path: str = '') -> 'ConfigDict':
    """Unpickling helper (module level so that pickle can find it)."""
    return ConfigDict._from_mapping(items, source, path)


class ConfigDict(dict):
    """A ``dict`` whose keys can also be read and written as attributes.

    ``cfg.a`` is ``cfg['a']``; a missing key raises ``AttributeError`` (attribute
    access) or ``KeyError`` (item access) naming the key, the config file it
    was looked up in, where in the config it was looked up and close matches.
    Dict methods keep their meaning, so a key called ``items`` is only
    reachable as ``cfg['items']``.
    """

    __slots__ = ('_source', '_path')

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()
        object.__setattr__(self, '_source', None)
        object.__setattr__(self, '_path', '')
        self.update(*args, **kwargs)

    @classmethod
    def _from_mapping(cls, mapping: Mapping, source: Optional[str], path: str = '') -> 'ConfigDict':
        new = cls.__new__(cls)
        dict.__init__(new)
        object.__setattr__(new, '_source', source)
        object.__setattr__(new, '_path', path)
        for key, value in mapping.items():
            dict.__setitem__(new, key, convert_value(value, source, _join(path, key)))
        return new

    # -- item access ------------------------------------------------------
    def _missing(self, key: Any) -> str:
        return _missing_key_message(key, self.keys(), self._source, self._path)

    def __missing__(self, key: Any) -> Any:
        raise KeyError(self._missing(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, convert_value(value, self._source, _join(self._path, key)))

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Like ``dict.update`` but converts nested mappings."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Like ``dict.setdefault`` but converts a nested mapping default."""
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    # -- attribute access ---------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for config keys.
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise AttributeError(self._missing(name)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ConfigDict.__slots__:
            raise AttributeError(f'{name!r} is reserved by ConfigDict and cannot be set as a key attribute')
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(self._missing(name)) from None

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | {k for k in self.keys() if isinstance(k, str)})

    # -- copies and pickling ------------------------------------------------
    def copy(self) -> 'ConfigDict':
        """A shallow copy that stays a ConfigDict."""
        new = ConfigDict._from_mapping({}, self._source, self._path)
        dict.update(new, self)
        return new

    __copy__ = copy

    def __deepcopy__(self, memo: Dict[int, Any]) -> 'ConfigDict':
        new = ConfigDict._from_mapping({}, self._source, self._path)
        memo[id(self)] = new
        for key, value in self.items():
            dict.__setitem__(new, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return new

    def __reduce__(self):
        return _restore, (dict(self), self._source, self._path)

    def to_dict(self) -> Dict[Any, Any]:
        """A copy whose containers are plain dicts, lists and tuples (for json/yaml)."""
        return plain_value(self)

    def __repr__(self) -> str:
        return f'ConfigDict({dict.__repr__(self)})'
