"""Text substitutions done before a config file is parsed.

* Predefined variables (MMEngine's): ``{{ fileDirname }}``, ``{{ fileBasename }}``,
  ``{{ fileBasenameNoExtension }}`` and ``{{ fileExtname }}`` are replaced by
  the parts of the config file's path.
* ``{{_base_.xxx}}`` references cannot be evaluated while the
  file is parsed, so each is replaced by a unique quoted placeholder string;
  once the bases are loaded, :meth:`BaseReferences.resolve` swaps every
  placeholder for (a copy of) the base value.  ``xxx`` may be a dotted path,
  with digits indexing lists (``{{_base_.train_pipeline.1}}``).
"""
from __future__ import annotations

import copy
import os.path as osp
import re
import uuid
from typing import Any, Dict, Mapping

__all__ = ['substitute_predefined_variables']

_PREDEFINED = re.compile(r'\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}')
# An optional quote around the reference is swallowed, so both
# ``policies={{_base_.policies}}`` and ``"key": "{{_base_.x}}"`` work.
_BASE_REF = re.compile(r'''(["']?)\{\{\s*_base_\.([\w.]+?)\s*\}\}\1''')


def substitute_predefined_variables(text: str, filename: str) -> str:
    """Replace ``{{ fileDirname }}`` & co. by the parts of ``filename``."""
    dirname, basename = osp.split(osp.abspath(filename))
    stem, extension = osp.splitext(basename)
    values = {
        'fileDirname': dirname,
        'fileBasename': basename,
        'fileBasenameNoExtension': stem,
        'fileExtname': extension,
    }
    # Backslashes (Windows paths) must survive being put inside a Python string.
    return _PREDEFINED.sub(lambda m: values[m.group(1)].replace('\\', '/'), text)


class BaseReferences:
    """The ``{{_base_.xxx}}`` references of one config file.

    Args:
        filename: the config file (named in error messages).
    """

    def __init__(self, filename: str):
        self.filename = filename
        self._token = f'__mmcls_base_ref_{uuid.uuid4().hex}'
        self._paths: Dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self._paths)

    @property
    def paths(self):
        """The dotted paths referenced, e.g. ``['policies']``."""
        return sorted(set(self._paths.values()))

    def substitute(self, text: str) -> str:
        """Return ``text`` with each reference replaced by a quoted placeholder."""

        def placeholder(match: 're.Match[str]') -> str:
            name = f'{self._token}_{len(self._paths)}'
            self._paths[name] = match.group(2).strip('.')
            return f'"{name}"'

        return _BASE_REF.sub(placeholder, text)

    def resolve(self, value: Any, base: Mapping) -> Any:
        """Return ``value`` with every placeholder replaced by its base value."""
        if isinstance(value, str):
            if value in self._paths:
                return copy.deepcopy(self._lookup(self._paths[value], base))
            if self._token in value:
                raise ValueError(f"a '{{{{_base_.xxx}}}}' reference in '{self.filename}' is part of a "
                                 f'larger string or expression; it can only stand for a whole value '
                                 f'(use the plain-Python form _base_.xxx inside expressions)')
            return value
        if isinstance(value, Mapping):
            return {self.resolve(k, base): self.resolve(v, base) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, base) for v in value]
        if type(value) is tuple:
            return tuple(self.resolve(v, base) for v in value)
        return value

    def _lookup(self, dotted: str, base: Mapping) -> Any:
        if not base:
            raise KeyError(f"'{{{{_base_.{dotted}}}}}' in '{self.filename}': the file has no "
                           f"'_base_' files to take it from")
        current: Any = base
        walked = '_base_'
        for part in dotted.split('.'):
            if isinstance(current, Mapping) and part in current:
                current = current[part]
            elif isinstance(current, (list, tuple)) and part.isdigit() and int(part) < len(current):
                current = current[int(part)]
            else:
                raise KeyError(f"'{{{{_base_.{dotted}}}}}' in '{self.filename}': {walked} has no "
                               f'{part!r} (the bases of this file do not define it)')
            walked += f'.{part}'
        return current
