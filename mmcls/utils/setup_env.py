"""Fill every registry at once (MMClassification 1.x's ``register_all_modules``)."""
from __future__ import annotations

import datetime
import warnings

from mmcls import registry

__all__ = ['register_all_modules']


def _set_mmcls_scope() -> None:
    """Make an ``mmcls`` :class:`~mmcls.registry.DefaultScope` current, warning when another
    scope was current (the caller's program then continues in ``mmcls``)."""
    current = registry.DefaultScope.get_current_instance()
    if current is None:
        registry.DefaultScope.get_instance('mmcls', scope_name='mmcls')
    elif current.scope_name != 'mmcls':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "mmcls"; '
                      'register_all_modules makes a new "mmcls" scope current. Pass '
                      'init_default_scope=False to keep the current one.')
        stamp = datetime.datetime.now().isoformat()
        registry.DefaultScope.get_instance(f'mmcls-{stamp}', scope_name='mmcls')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import the packages of every registry's ``locations`` so all components are registered.

    Registries here import their packages on first use anyway; this does it up front (before
    listing a registry, or to fail early on a broken import). With ``init_default_scope`` the
    current :class:`~mmcls.registry.DefaultScope` becomes ``mmcls``, as MMClassification 1.x
    callers expect to read back; every registry of this package builds in that scope either way.
    """
    if not isinstance(init_default_scope, bool):
        raise TypeError(f'init_default_scope must be a bool, got {init_default_scope!r}')
    for value in vars(registry).values():
        if isinstance(value, registry.Registry):
            value.import_from_location()
    if init_default_scope:
        _set_mmcls_scope()
