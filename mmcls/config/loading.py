"""Read a config file and everything it inherits into one plain dict.

Supported formats: ``.py`` (executed), ``.json``, ``.yaml``/``.yml``.
A file may name base files in ``_base_`` (a path or a list of paths, relative
to the file).  Bases are loaded recursively; keys defined by two bases of the
same file are an error; the file's own keys are merged onto the bases (see
:mod:`mmcls.config.merging`).  Inside a ``.py`` file the merged bases are
readable as ``_base_`` (``_base_.train_pipeline``); ``{{_base_.xxx}}``
references work in every format.  A base (or the file itself) written ``mmcls::REL`` is the
shipped zoo config ``REL`` (see :mod:`mmcls.config.zoo`).
"""
from __future__ import annotations

import ast
import json
import os
import os.path as osp
import types
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from .base_refs import BaseReferences, substitute_predefined_variables
from .config_dict import ConfigDict
from .merging import merge_into
from .zoo import ZOO_PREFIX, find_shipped_config, resolve_zoo_path

__all__ = ['CONFIG_SUFFIXES', 'load_config_file']

BASE_KEY = '_base_'
CONFIG_SUFFIXES = ('.py', '.json', '.yaml', '.yml')


@dataclass
class LoadedConfig:
    """A config file and its bases, merged.

    Attributes:
        cfg: the merged config (plain dicts, possibly holding ConfigDicts).
        files: ``(path, text)`` of every file read, bases first.
    """

    cfg: Dict[str, Any]
    files: List[Tuple[str, str]] = field(default_factory=list)


def _add_note(err: BaseException, note: str) -> None:
    if hasattr(err, 'add_note'):  # Python >= 3.11
        err.add_note(note)


def _read_text(filename: str) -> str:
    with open(filename, encoding='utf-8') as f:
        return f.read()


def _check_base_spec(spec: Any, filename: str) -> List[str]:
    """``_base_`` as a list of strings (it may be written as one string)."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, (list, tuple)) and all(isinstance(s, str) for s in spec):
        return list(spec)
    raise TypeError(f"'{BASE_KEY}' in '{filename}' must be a path or a list of paths, got {spec!r}")


def _split_python_base(text: str, filename: str) -> Tuple[ast.Module, List[str]]:
    """Parse a .py config; return its code without the ``_base_ = ...`` line, and the bases."""
    tree = ast.parse(text, filename=filename)
    bases: List[str] = []
    body = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == BASE_KEY for t in targets):
            if len(targets) != 1:
                raise SyntaxError(f"'{BASE_KEY}' must be assigned on its own in '{filename}' "
                                  f'(line {node.lineno})')
            try:
                spec = ast.literal_eval(node.value)
            except ValueError as err:
                raise TypeError(f"'{BASE_KEY}' in '{filename}' (line {node.lineno}) must be a literal "
                                f'path or list of paths') from err
            bases = _check_base_spec(spec, filename)
        else:
            body.append(node)
    tree.body = body
    return tree, bases


def _is_config_value(name: str, value: Any) -> bool:
    """Top-level names of a .py config that become keys (not modules, helpers or ``_private``)."""
    return not name.startswith('_') and not isinstance(
        value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType))


def _exec_python(tree: ast.Module, filename: str, base: ConfigDict) -> Dict[str, Any]:
    """Run a .py config with the merged bases readable as ``_base_``."""
    namespace: Dict[str, Any] = {
        BASE_KEY: base,
        '__name__': '__mmcls_config__',
        '__file__': filename,
    }
    try:
        exec(compile(tree, filename, 'exec'), namespace)
    except Exception as err:
        _add_note(err, f'raised while executing config file {filename!r}')
        raise
    return {k: v for k, v in namespace.items() if _is_config_value(k, v)}


def _parse_data(text: str, filename: str) -> Dict[str, Any]:
    """Parse a .json/.yaml config into a dict."""
    if filename.endswith('.json'):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"config file '{filename}' is not valid JSON: {err}") from err
    else:
        import yaml  # only needed for yaml configs

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ValueError(f"config file '{filename}' is not valid YAML: {err}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError(f"config file '{filename}' must hold a mapping at its top level, "
                        f'got {type(data).__name__}')
    return data


class _Loader:
    """Loads one config tree, keeping the chain of files being read for cycle detection."""

    def __init__(self, use_predefined_variables: bool):
        self.use_predefined_variables = use_predefined_variables
        self.files: List[Tuple[str, str]] = []

    def load(self, filename: str, chain: Sequence[str]) -> Dict[str, Any]:
        filename = osp.normpath(filename)
        real = osp.realpath(filename)
        if real in chain:
            cycle = ' -> '.join([*chain[chain.index(real):], real])
            raise ValueError(f'config files inherit from each other in a cycle: {cycle}')
        suffix = osp.splitext(filename)[1]
        if suffix not in CONFIG_SUFFIXES:
            raise ValueError(f"config file '{filename}' has an unsupported suffix {suffix!r}; "
                             f'use one of {", ".join(CONFIG_SUFFIXES)}')
        if not osp.isfile(filename):
            raise FileNotFoundError(f"config file '{filename}' does not exist")
        raw = _read_text(filename)
        text = substitute_predefined_variables(raw, filename) if self.use_predefined_variables else raw
        refs = BaseReferences(filename)
        text = refs.substitute(text)
        if suffix == '.py':
            tree, bases = _split_python_base(text, filename)
        else:
            data = _parse_data(text, filename)
            bases = _check_base_spec(data.pop(BASE_KEY), filename) if BASE_KEY in data else []
        # One object serves as ``_base_`` for the file and as the merge target,
        # so that a .py file may also edit base values in place.
        base_cfg = ConfigDict._from_mapping(self.load_bases(filename, bases, [*chain, real]), filename)
        self.files.append((filename, raw))
        own = _exec_python(tree, filename, base_cfg) if suffix == '.py' else data
        if refs:  # references only in comments resolve to nothing and are harmless
            own = refs.resolve(own, base_cfg)
        return merge_into(own, base_cfg)

    def load_bases(self, filename: str, bases: List[str], chain: List[str]) -> Dict[str, Any]:
        """Load the bases of ``filename`` and merge them side by side (no shared keys)."""
        merged: Dict[str, Any] = {}
        owner: Dict[str, str] = {}
        here = osp.dirname(filename)
        for written in bases:
            if written.startswith(ZOO_PREFIX):
                resolved = resolve_zoo_path(written)
            else:
                resolved = osp.normpath(osp.join(here, osp.expanduser(written)))
            if not osp.isfile(resolved):
                raise FileNotFoundError(f"base config '{written}' of '{filename}' does not exist "
                                        f"(resolved to '{resolved}')")
            cfg = self.load(resolved, chain)
            shared = sorted((k for k in cfg if k in owner), key=str)
            if shared:
                raise KeyError(f"keys {shared} are defined by two bases of '{filename}': "
                               f"'{owner[shared[0]]}' and '{written}'; a key may come from one base only")
            owner.update({k: written for k in cfg})
            merged.update(cfg)
        return merged


def _top_level_path(filename: str) -> str:
    """``filename``, or the shipped zoo config it names (``mmcls::REL``, or a missing relative
    path that exists under the shipped configs)."""
    if filename.startswith(ZOO_PREFIX):
        return resolve_zoo_path(filename)
    if not osp.isfile(filename) and not osp.isabs(filename):
        return find_shipped_config(filename) or filename
    return filename


def load_config_file(filename: str, use_predefined_variables: bool = True) -> LoadedConfig:
    """Load ``filename`` with all its bases into a :class:`LoadedConfig`.

    Raises:
        FileNotFoundError: the file or one of its bases is missing.
        ValueError: unsupported suffix, malformed JSON/YAML, inheritance cycle.
        KeyError: two bases define the same key, or a ``{{_base_.xxx}}`` is unknown.
    """
    loader = _Loader(use_predefined_variables)
    cfg = loader.load(_top_level_path(os.fspath(filename)), chain=[])
    return LoadedConfig(cfg=cfg, files=loader.files)
