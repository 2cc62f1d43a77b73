"""``custom_imports=dict(imports=[...], allow_failed_imports=False)``.

Importing a user's module registers the classes it defines, so a config can
name them by ``type`` without touching the package.
"""
from __future__ import annotations

import importlib
import warnings
from types import ModuleType
from typing import List, Optional, Sequence, Union

__all__ = ['import_modules_from_strings']


def import_modules_from_strings(imports: Union[str, Sequence[str]],
                                allow_failed_imports: bool = False,
                                source: Optional[str] = None) -> List[Optional[ModuleType]]:
    """Import each module named in ``imports``.

    Args:
        imports: one dotted module name or a list of them.
        allow_failed_imports: warn (and give ``None``) instead of raising
            when a module cannot be imported.
        source: the config file asking for the imports (for messages).

    Returns:
        The imported modules, in order.
    """
    where = f" (custom_imports of '{source}')" if source else ''
    names = [imports] if isinstance(imports, str) else imports
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f'custom_imports.imports must be a module name or a list of them{where}, '
                        f'got {imports!r}')
    modules: List[Optional[ModuleType]] = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as err:
            if not allow_failed_imports:
                raise ImportError(f'cannot import custom module {name!r}{where}: {err}') from err
            warnings.warn(f'custom module {name!r} could not be imported{where} and is skipped: {err}',
                          UserWarning, stacklevel=2)
            modules.append(None)
    return modules
