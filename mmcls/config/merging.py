"""How a child config (or a ``--cfg-options`` item) is merged into its base.

Rules (MMEngine's, which MMClassification 1.x configs rely on):

* a dict merges key by key into a dict of the base, recursively;
* anything else (numbers, strings, lists, tuples, ...) replaces the base value;
* a dict with ``_delete_=True`` replaces the base value instead of merging;
* with ``allow_list_keys`` (command-line options), a dict whose keys are
  digits merges into a list element by element (``pipeline.1.prob=0``).

Merging never mutates its inputs; the ``_delete_`` markers are removed from
the result.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Union

__all__ = ['DELETE_KEY', 'merge_into', 'merge_options']

DELETE_KEY = '_delete_'
_MISSING = object()


def strip_delete_keys(value: Any) -> Any:
    """Return ``value`` without any ``_delete_`` marker in its mappings."""
    if isinstance(value, Mapping):
        return {k: strip_delete_keys(v) for k, v in value.items() if k != DELETE_KEY}
    if isinstance(value, list):
        return [strip_delete_keys(v) for v in value]
    if type(value) is tuple:
        return tuple(strip_delete_keys(v) for v in value)
    return value


def _join(path: str, key: Any) -> str:
    return f'{path}.{key}' if path else str(key)


def _merge_into_sequence(child: Mapping, base: Union[list, tuple], path: str) -> Union[list, tuple]:
    """Merge ``{'1': {...}}`` into element 1 of ``base`` (command-line list keys)."""
    merged: List[Any] = list(base)
    for key, value in child.items():
        if key == DELETE_KEY:
            continue
        if not (isinstance(key, str) and key.isdigit()):
            raise TypeError(f"'{path}' is a {type(base).__name__}; select an element with an index "
                            f"such as '{path}.0', not {key!r}")
        index = int(key)
        if index >= len(merged):
            raise IndexError(f"index {index} is out of range for '{path}' "
                             f'(a {type(base).__name__} of length {len(merged)})')
        merged[index] = _merge_value(value, merged[index], True, _join(path, key))
    return merged if isinstance(base, list) else tuple(merged)


def _merge_value(new: Any, old: Any, allow_list_keys: bool, path: str) -> Any:
    """The value at ``path`` once ``new`` (child) is merged onto ``old`` (base)."""
    if not isinstance(new, Mapping) or old is _MISSING or new.get(DELETE_KEY, False):
        return strip_delete_keys(new)
    if isinstance(old, Mapping):
        return merge_into(new, old, allow_list_keys, path)
    if allow_list_keys and isinstance(old, (list, tuple)):
        return _merge_into_sequence(new, old, path)
    raise TypeError(f"'{path}' is a dict in the child config but a {type(old).__name__} "
                    f"({old!r}) in its base, so it cannot be merged; set {DELETE_KEY}=True "
                    f'in the child dict to replace the base value')


def merge_into(child: Mapping, base: Mapping, allow_list_keys: bool = False,
               path: str = '') -> Dict[Any, Any]:
    """Return a new dict: ``base`` updated with ``child`` by the rules above.

    Args:
        child: the overriding mapping (the child config, or options).
        base: the mapping being overridden.
        allow_list_keys: let digit keys index into lists/tuples of the base.
        path: dotted location of ``base`` in the whole config, for messages.
    """
    merged: Dict[Any, Any] = dict(base)
    for key, value in child.items():
        if key == DELETE_KEY:
            continue
        merged[key] = _merge_value(value, merged.get(key, _MISSING), allow_list_keys, _join(path, key))
    return merged


def _option_to_nested(full_key: str, value: Any) -> Dict[str, Any]:
    """``('a.b.c', v)`` -> ``{'a': {'b': {'c': v}}}``."""
    if not isinstance(full_key, str):
        raise TypeError(f'option keys must be strings, got {full_key!r}')
    parts = full_key.split('.')
    if not all(parts):
        raise ValueError(f"option key '{full_key}' has an empty part; "
                         "use dotted keys such as 'model.backbone.depth'")
    nested: Dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        nested = {part: nested}
    return nested


def merge_options(cfg: Mapping, options: Mapping[str, Any], allow_list_keys: bool = True) -> Dict[Any, Any]:
    """Apply ``{'dotted.key': value}`` options to ``cfg`` one after the other.

    A missing key is created; an existing dict merges with a dict value; list
    elements are addressed by index when ``allow_list_keys``.  Errors keep
    their type and name the offending option.
    """
    merged: Dict[Any, Any] = dict(cfg)
    for full_key, value in options.items():
        try:
            merged = merge_into(_option_to_nested(full_key, value), merged, allow_list_keys)
        except (TypeError, ValueError, IndexError, KeyError) as err:
            detail = err.args[0] if err.args else err
            raise type(err)(f"cannot apply config option '{full_key}={value!r}': {detail}") from err
    return merged
