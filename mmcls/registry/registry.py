"""A strict, lazily-populated registry of named classes and functions.

Configs name components by ``type``; a registry maps those names to the
objects that build them.  Modules register themselves on import, and a
registry imports its ``locations`` the first time it is asked for anything,
so ``import mmcls`` stays cheap while ``MODELS.build(dict(type='ResNet'))``
works without the caller importing ``mmcls.models`` first.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Sequence, Tuple, Type, Union

# Scope prefixes of MMClassification 1.x configs that resolve to this package.
KNOWN_SCOPES = ('mmcls', 'mmpretrain', 'mmengine', 'mmcv')


class Registry:
    """Map names to classes/functions and build them from config dicts.

    Args:
        name: what the registry holds, e.g. ``'model'``; used in messages.
        build_func: how to build an object from a config; defaults to
            :func:`build_from_cfg`.
        parent: a registry to look in when a name is not found here.
        scope: the scope this registry belongs to (``'mmcls'``).
        locations: modules imported on first use so their classes register.
    """

    def __init__(self,
                 name: str,
                 build_func: Optional[Callable] = None,
                 parent: Optional['Registry'] = None,
                 scope: str = 'mmcls',
                 locations: Sequence[str] = ()):
        self._name = name
        self._module_dict: Dict[str, Any] = {}
        self._build_func = build_func
        self.parent = parent
        self._scope = scope
        self._locations = list(locations)
        self._imported = not self._locations

    # -- properties -----------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def scope(self) -> str:
        return self._scope

    @property
    def module_dict(self) -> Dict[str, Any]:
        self.import_from_location()
        return self._module_dict

    # -- lazy population ------------------------------------------------
    def import_from_location(self) -> None:
        """Import every module of ``locations`` once so they register."""
        if self._imported:
            return
        self._imported = True  # set first: imported modules may query us
        try:
            for location in self._locations:
                importlib.import_module(location)
        except BaseException:
            self._imported = False
            raise

    # -- registration ---------------------------------------------------
    def register_module(self,
                        name: Optional[Union[str, Sequence[str]]] = None,
                        force: bool = False,
                        module: Optional[Any] = None):
        """Register a class or function, as a decorator or a direct call.

        ``name`` defaults to ``module.__name__``; a list registers aliases.
        Registering a taken name raises ``KeyError`` unless ``force=True``.
        """
        if not isinstance(force, bool):
            raise TypeError(f'force must be a bool, got {type(force).__name__}')
        if name is not None and not isinstance(name, str) and not (
                isinstance(name, (list, tuple)) and all(isinstance(n, str) for n in name)):
            raise TypeError(f'name must be None, a str or a sequence of str, got {name!r}')

        if module is not None:
            self._register(module, name, force)
            return module

        def decorator(obj):
            self._register(obj, name, force)
            return obj

        return decorator

    def _register(self, module: Any, name, force: bool) -> None:
        if not (inspect.isclass(module) or inspect.isfunction(module) or callable(module)):
            raise TypeError(f'only a class or function can be registered in the {self._name} '
                            f'registry, got {type(module).__name__}')
        names = [module.__name__] if name is None else ([name] if isinstance(name, str) else list(name))
        for key in names:
            existing = self._module_dict.get(key)
            if existing is not None and existing is not module and not force:
                raise KeyError(f'{key!r} is already registered in the {self._name} registry '
                               f'(scope {self._scope}) as {_qualname(existing)}; '
                               f'pass force=True to replace it')
            self._module_dict[key] = module

    # -- lookup ---------------------------------------------------------
    def split_scope_key(self, key: str) -> Tuple[Optional[str], str]:
        """``'mmcls.ResNet'`` -> ``('mmcls', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``."""
        if '.' in key:
            scope, _, rest = key.partition('.')
            return scope, rest
        return None, key

    def get(self, key: str) -> Any:
        """Return the object registered as ``key``; raise ``KeyError`` if unknown."""
        obj = self._lookup(key)
        if obj is None:
            raise KeyError(self._unknown_message(key))
        return obj

    def _lookup(self, key: str) -> Any:
        if not isinstance(key, str):
            raise TypeError(f'registry key must be a str, got {type(key).__name__}')
        scope, name = self.split_scope_key(key)
        if scope is not None and scope not in KNOWN_SCOPES and scope != self._scope:
            return None
        self.import_from_location()
        obj = self._module_dict.get(name)
        if obj is None and self.parent is not None:
            obj = self.parent._lookup(name)
        return obj

    def _unknown_message(self, key: str) -> str:
        scope, name = self.split_scope_key(key)
        known = sorted(self._all_keys())
        close = _closest(name, known, 3)
        hint = f'; did you mean {", ".join(repr(c) for c in close)}?' if close else ''
        where = f' (scope {scope!r} is not known)' if scope and scope not in KNOWN_SCOPES else ''
        return (f'{key!r} is not in the {self._name} registry (scope {self._scope}){where}'
                f'{hint}')

    def _all_keys(self) -> Iterable[str]:
        self.import_from_location()
        keys = set(self._module_dict)
        if self.parent is not None:
            keys |= set(self.parent._all_keys())
        return keys

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def __len__(self) -> int:
        self.import_from_location()
        return len(self._module_dict)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.module_dict))

    def keys(self):
        return self.module_dict.keys()

    def items(self):
        return self.module_dict.items()

    # -- building -------------------------------------------------------
    def build(self, cfg: Any, *args, **kwargs) -> Any:
        """Build an object from ``cfg`` (a dict with ``type``)."""
        build_func = self._build_func or build_from_cfg
        return build_func(cfg, *args, registry=self, **kwargs)

    def __repr__(self) -> str:
        rows = [(k, _qualname(v)) for k, v in sorted(self.module_dict.items())]
        width = max([len('Name')] + [len(k) for k, _ in rows])
        lines = [f'Registry of {self._name} (scope {self._scope}, {len(rows)} entries)',
                 f'{"Name".ljust(width)}  Object']
        lines += [f'{k.ljust(width)}  {v}' for k, v in rows]
        return '\n'.join(lines)


def build_from_cfg(cfg: Any, registry: Registry, default_args: Optional[dict] = None) -> Any:
    """Build ``cfg['type']`` from ``registry`` with the other keys as arguments.

    ``type`` may be a registered name (optionally scoped, ``'mmcls.ResNet'``)
    or a class/function.  ``default_args`` fill keys ``cfg`` does not set.
    Errors raised by the constructor are re-raised naming the registry and type.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'cfg for the {registry.name} registry must be a dict, '
                        f'got {type(cfg).__name__}: {cfg!r}')
    if 'type' not in cfg and (default_args is None or 'type' not in default_args):
        raise KeyError(f'cfg for the {registry.name} registry must contain the key "type", '
                       f'got keys {sorted(cfg)}')
    if default_args is not None and not isinstance(default_args, dict):
        raise TypeError(f'default_args must be a dict or None, got {type(default_args).__name__}')

    args = dict(default_args or {})
    args.update(_plain_items(cfg))
    args.pop('_scope_', None)
    obj_type = args.pop('type')
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
    elif callable(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(f'type must be a str or a class in the {registry.name} registry, '
                        f'got {type(obj_type).__name__}')
    try:
        return obj_cls(**args)
    except Exception as e:
        raise _with_context(e, f'{_qualname(obj_cls)} in the {registry.name} registry') from e


def _plain_items(cfg: dict) -> dict:
    # ConfigDict subclasses dict; copy to a plain dict so the callee may mutate it.
    return {k: v for k, v in cfg.items()}


def _with_context(error: Exception, context: str) -> Exception:
    """A copy of ``error`` whose message starts with ``context``."""
    message = f'{context}: {error}'
    try:
        new = type(error)(message)
    except Exception:
        return BuildError(message)
    return new


class BuildError(RuntimeError):
    """A constructor failed and its exception type cannot carry a new message."""


def _closest(name: str, candidates: Sequence[str], n: int) -> list:
    lowered = {c.lower(): c for c in candidates}
    ranked = sorted(candidates,
                    key=lambda c: -difflib.SequenceMatcher(None, name.lower(), c.lower()).ratio())
    close = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    result = [lowered[c] for c in close]
    for c in ranked:
        if len(result) >= n:
            break
        if c not in result:
            result.append(c)
    return result[:n]


def _qualname(obj: Any) -> str:
    module = getattr(obj, '__module__', '')
    return f'{module}.{getattr(obj, "__qualname__", repr(obj))}' if module else repr(obj)
