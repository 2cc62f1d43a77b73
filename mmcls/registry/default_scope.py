"""``DefaultScope``: the named record of which scope a program builds in.

MMEngine-era code asks ``DefaultScope.get_current_instance().scope_name`` to learn the scope
that registry lookups default to, and ``register_all_modules(init_default_scope=True)`` sets it
to ``'mmcls'``. Every registry of this package builds in the ``mmcls`` scope and reads
``'mmcls.X'``/``'mmengine.X'`` names itself, so the record changes no lookup; it exists so that
such code reads and sets the scope as it did.
"""
from __future__ import annotations

import contextlib
import itertools
from collections import OrderedDict
from typing import Dict, Iterator, Optional

__all__ = ['DefaultScope']


class DefaultScope:
    """A named scope record; the one made (or fetched) last is the current one.

    Args:
        name: the instance name (unique per record).
        scope_name: the scope it names, e.g. ``'mmcls'``.
    """

    _instances: Dict[str, 'DefaultScope'] = OrderedDict()
    _current: Optional[str] = None
    _temporary = itertools.count()

    def __init__(self, name: str, scope_name: str) -> None:
        if not isinstance(scope_name, str) or not scope_name:
            raise TypeError(f'DefaultScope: scope_name must be a non-empty str, got '
                            f'{scope_name!r}')
        self.instance_name = name
        self._scope_name = scope_name

    @property
    def scope_name(self) -> str:
        return self._scope_name

    @classmethod
    def get_instance(cls, name: str, scope_name: Optional[str] = None) -> 'DefaultScope':
        """The record called ``name`` (made with ``scope_name`` if new), now the current one."""
        scope = cls._instances.get(name)
        if scope is None:
            if scope_name is None:
                raise ValueError(f'DefaultScope {name!r} does not exist yet; give scope_name '
                                 'to create it')
            scope = cls._instances[name] = cls(name, scope_name)
        cls._current = name
        return scope

    @classmethod
    def get_current_instance(cls) -> Optional['DefaultScope']:
        """The current record, or None when none was made."""
        return cls._instances.get(cls._current) if cls._current is not None else None

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        return name in cls._instances

    @classmethod
    @contextlib.contextmanager
    def overwrite_default_scope(cls, scope_name: Optional[str]) -> Iterator[None]:
        """Make ``scope_name`` current inside the ``with`` block (None leaves it unchanged)."""
        if scope_name is None:
            yield
            return
        previous = cls._current
        name = f'overwrite-{next(cls._temporary)}'
        cls.get_instance(name, scope_name=scope_name)
        try:
            yield
        finally:
            cls._instances.pop(name, None)
            cls._current = previous

    def __repr__(self) -> str:
        return f'DefaultScope(name={self.instance_name!r}, scope_name={self.scope_name!r})'
