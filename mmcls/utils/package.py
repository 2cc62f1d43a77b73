"""Import every module of a package folder and re-export its public names.

Package ``__init__`` files call :func:`export_submodules` instead of listing
their modules by hand: adding a file to a folder is enough for its classes to
register and to be importable from the package (``from mmcls.models import
ResNet``).  Modules whose name starts with ``_`` are skipped.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, Callable, Dict, Iterable, List, Optional

__all__ = ['export_submodules', 'import_optional', 'lazy_exports']


def export_submodules(package_name: str, package_path: Iterable[str],
                      namespace: Dict[str, object]) -> List[str]:
    """Import the modules of ``package_name`` and copy their ``__all__`` into ``namespace``.

    Returns the exported names, to be used as the package's ``__all__``.
    Sub-packages are imported too and contribute their own ``__all__``.
    """
    exported: List[str] = []
    for info in sorted(pkgutil.iter_modules(list(package_path)), key=lambda i: i.name):
        if info.name.startswith('_'):
            continue
        module = importlib.import_module(f'{package_name}.{info.name}')
        namespace[info.name] = module
        for name in getattr(module, '__all__', ()):
            value = getattr(module, name)
            if name in exported and namespace[name] is value:
                continue  # the same object re-exported by two modules (an alias path)
            namespace[name] = value
            exported.append(name)
    return exported


def import_optional(module: str, owner: str, install: Optional[str] = None) -> ModuleType:
    """Import ``module`` of an optional dependency, or raise an ImportError saying who needs it
    and how to install it (``pip install <install>``, the top package by default)."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        package = install or module.split('.')[0]
        raise ImportError(f'{owner} needs the optional package {module.split(".")[0]!r}: '
                          f'pip install {package}') from error


def lazy_exports(module_name: str, sources: Dict[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for ``module_name`` resolving each name of ``sources`` from its module.

    ``sources`` maps an attribute name to the dotted module defining it. The value is imported
    on first access and cached in the module's namespace; unknown names raise ``AttributeError``.
    """

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f'module {module_name!r} has no attribute {name!r}')
        value = getattr(importlib.import_module(source), name)
        setattr(importlib.import_module(module_name), name, value)
        return value

    return __getattr__
