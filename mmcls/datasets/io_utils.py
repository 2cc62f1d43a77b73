"""Small file helpers shared by the datasets: paths, text lists, annotation files, folder scans.

They exist so every dataset reports a missing or malformed file the same way,
naming the file (and line) at fault.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import pickle
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

__all__ = ['expand_path', 'join_path', 'list_from_file', 'iter_lines', 'load_annotation_file',
           'list_folders', 'scan_files', 'has_extension']

ANNOTATION_SUFFIXES = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


def expand_path(path: Any) -> Any:
    """Expand ``~`` and ``~user`` in a str or path-like ``path``; anything else (None, a dict
    of prefixes) is returned unchanged."""
    return osp.expanduser(path) if isinstance(path, (str, os.PathLike)) else path


def join_path(prefix: Optional[str], path: str) -> str:
    """Join ``prefix`` and ``path``; an empty/None prefix leaves ``path`` as it is."""
    return osp.join(prefix, path) if prefix else path


def _require_file(path: str, what: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist or is not a file')


def iter_lines(path: str, what: str = 'file') -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, stripped_line)`` for the non-empty lines of a text file.

    Reads lazily so that million-line annotation files are never held in memory.
    """
    _require_file(path, what)
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if line:
                yield number, line


def list_from_file(path: str, what: str = 'file') -> List[str]:
    """The non-empty, stripped lines of a text file (e.g. one class name per line)."""
    return [line for _, line in iter_lines(expand_path(path), what)]


def load_annotation_file(path: str) -> Any:
    """Load a json/yaml/pickle annotation file, chosen by its suffix."""
    path = expand_path(path)
    _require_file(path, 'annotation file')
    suffix = osp.splitext(path)[1].lower()
    if suffix == '.json':
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    if suffix in ('.yaml', '.yml'):
        import yaml
        with open(path, encoding='utf-8') as f:
            return yaml.safe_load(f)
    if suffix in ('.pkl', '.pickle'):
        with open(path, 'rb') as f:
            return pickle.load(f)
    raise ValueError(f'annotation file {path!r} has an unsupported suffix {suffix!r}; '
                     f'expected one of {", ".join(ANNOTATION_SUFFIXES)}')


def list_folders(root: str) -> List[str]:
    """The names of the sub-folders of ``root``, sorted."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'image folder {root!r} does not exist or is not a directory')
    return sorted(entry.name for entry in os.scandir(root) if entry.is_dir())


def scan_files(root: str, is_valid: Callable[[str], bool]) -> List[str]:
    """Paths (relative to ``root``, ``/``-separated, sorted) of the valid files below ``root``.

    Nested folders are walked too, following symlinks, in a deterministic order.
    """
    found: List[str] = []
    for directory, subdirs, files in os.walk(root, followlinks=True):
        subdirs.sort()
        relative = osp.relpath(directory, root)
        for name in sorted(files):
            if is_valid(name):
                found.append(name if relative == '.' else f'{relative}/{name}'.replace(os.sep, '/'))
    return sorted(found)


def has_extension(filename: str, extensions: Sequence[str]) -> bool:
    """Case-insensitive suffix check used to pick image files."""
    return filename.lower().endswith(tuple(extensions))
