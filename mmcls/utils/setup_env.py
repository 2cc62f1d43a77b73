"""Fill every registry at once (MMClassification 1.x's ``register_all_modules``)."""
from __future__ import annotations

from mmcls import registry

__all__ = ['register_all_modules']


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import the packages of every registry's ``locations`` so all components are registered.

    Registries here import their packages on first use anyway; this does it up front (before
    listing a registry, or to fail early on a broken import). ``init_default_scope`` is
    accepted for MMClassification 1.x callers: every registry of this package builds in the
    ``mmcls`` scope and reads ``'mmengine.X'``/``'mmcls.X'`` names itself, so there is no
    separate default scope to set.
    """
    if not isinstance(init_default_scope, bool):
        raise TypeError(f'init_default_scope must be a bool, got {init_default_scope!r}')
    for value in vars(registry).values():
        if isinstance(value, registry.Registry):
            value.import_from_location()
