"""``Config``: a whole experiment configuration, loaded from a file or built from a dict.

Example::

    cfg = Config.fromfile('configs/resnet/resnet50_8xb32_in1k.py')
    cfg.model.backbone.depth                   # 50
    cfg.merge_from_dict({'train_cfg.max_epochs': 300})
    print(cfg.pretty_text)                     # the full config as Python
"""
from __future__ import annotations

import copy
import os
import os.path as osp
import tempfile
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from .config_dict import ConfigDict, _missing_key_message
from .custom_imports import import_modules_from_strings
from .dumping import dump_config_text
from .loading import CONFIG_SUFFIXES, load_config_file
from .merging import merge_options
from .pretty_text import format_config

__all__ = ['Config']

PathLike = Union[str, 'os.PathLike[str]']


class Config:
    """A config: top-level keys with attribute and item access.

    Args:
        cfg_dict: the content (a mapping or another Config); nested mappings
            become :class:`ConfigDict` (copied, so the input is not shared).
        cfg_text: the source text (``cfg.text``); defaults to the file's
            text when ``filename`` is given.
        filename: the file the config came from, if any.
    """

    #: Attributes of Config itself; a key of the same name could only be read as cfg['key'].
    _RESERVED_KEYS = ('filename', 'text', 'pretty_text')

    def __init__(self, cfg_dict: Optional[Mapping] = None, cfg_text: Optional[str] = None,
                 filename: Optional[PathLike] = None):
        # Defaults first, so that repr() works even if validation below fails.
        object.__setattr__(self, '_filename', None)
        object.__setattr__(self, '_text', '')
        object.__setattr__(self, '_cfg_dict', ConfigDict())
        object.__setattr__(self, '_files', [])
        if cfg_dict is None:
            cfg_dict = {}
        if isinstance(cfg_dict, Config):
            cfg_dict = cfg_dict._cfg_dict
        if not isinstance(cfg_dict, Mapping):
            raise TypeError(f'cfg_dict must be a dict, got {type(cfg_dict).__name__}')
        for key in cfg_dict:
            if key in self._RESERVED_KEYS:
                raise KeyError(f'{key!r} is a reserved name and cannot be a config key'
                               + (f" (in '{filename}')" if filename else ''))
        filename = os.fspath(filename) if filename is not None else None
        if cfg_text is None:
            cfg_text = self._read_text(filename)
        object.__setattr__(self, '_filename', filename)
        object.__setattr__(self, '_text', cfg_text)
        object.__setattr__(self, '_cfg_dict', ConfigDict._from_mapping(cfg_dict, filename))

    @staticmethod
    def _read_text(filename: Optional[str]) -> str:
        if filename is None or not osp.isfile(filename):
            return ''
        with open(filename, encoding='utf-8') as f:
            return f.read()

    # -- construction ---------------------------------------------------------
    @staticmethod
    def fromfile(filename: PathLike, use_predefined_variables: bool = True,
                 import_custom_modules: bool = True) -> 'Config':
        """Load a ``.py``/``.json``/``.yaml``/``.yml`` config and everything it inherits.

        Args:
            filename: the config file.
            use_predefined_variables: substitute ``{{ fileDirname }}`` & co.
            import_custom_modules: import the modules of ``custom_imports``.
        """
        filename = os.fspath(filename)
        loaded = load_config_file(filename, use_predefined_variables)
        text = '\n'.join(f'{path}\n{content}' for path, content in loaded.files)
        cfg = Config(loaded.cfg, cfg_text=text, filename=filename)
        object.__setattr__(cfg, '_files', [path for path, _ in loaded.files])
        custom = loaded.cfg.get('custom_imports')
        if import_custom_modules and custom:
            if not isinstance(custom, Mapping) or 'imports' not in custom:
                raise TypeError(f"custom_imports in '{filename}' must be "
                                f'dict(imports=[...], allow_failed_imports=False), got {custom!r}')
            import_modules_from_strings(custom['imports'], custom.get('allow_failed_imports', False),
                                        source=filename)
        return cfg

    @staticmethod
    def fromstring(cfg_str: str, file_format: str) -> 'Config':
        """Load a config from text in ``file_format`` (``'.py'``, ``'.json'``, ``'.yaml'``, ``'.yml'``).

        The text may not use ``_base_`` relative paths (it has no folder).
        """
        suffix = file_format if file_format.startswith('.') else f'.{file_format}'
        if suffix not in CONFIG_SUFFIXES:
            raise ValueError(f'unknown config format {file_format!r}; '
                             f'use one of {", ".join(CONFIG_SUFFIXES)}')
        with tempfile.TemporaryDirectory() as folder:
            path = osp.join(folder, f'config{suffix}')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(cfg_str)
            cfg = Config.fromfile(path)
        return Config(cfg._cfg_dict, cfg_text=cfg_str)

    # -- properties -----------------------------------------------------------
    @property
    def filename(self) -> Optional[str]:
        """The file this config was loaded from (``None`` if built in code)."""
        return self._filename

    @property
    def text(self) -> str:
        """The source text: each file read (bases first), preceded by its path."""
        return self._text

    @property
    def source_files(self) -> List[str]:
        """Every file read to build this config, bases first (empty if built in code)."""
        return list(self._files)

    @property
    def pretty_text(self) -> str:
        """The full config as formatted Python source that re-loads to an equal config."""
        return format_config(self._cfg_dict)

    # -- access -----------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        # Called only for names Config itself does not define: config keys and dict methods.
        if name.startswith('__') or name in ('_cfg_dict', '_filename', '_text', '_files'):
            raise AttributeError(name)
        cfg_dict = self._cfg_dict
        if hasattr(dict, name):  # same precedence as ConfigDict: dict methods win
            return getattr(cfg_dict, name)
        if name in cfg_dict:
            return cfg_dict[name]
        raise AttributeError(_missing_key_message(name, cfg_dict.keys(), self._filename))

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._cfg_dict[name]
        except KeyError:
            raise AttributeError(_missing_key_message(name, self._cfg_dict.keys(), self._filename)) from None

    def __getitem__(self, key: Any) -> Any:
        return self._cfg_dict[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        if key in self._RESERVED_KEYS:
            raise KeyError(f'{key!r} is a reserved name and cannot be a config key')
        self._cfg_dict[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._cfg_dict[key]

    def __contains__(self, key: Any) -> bool:
        return key in self._cfg_dict

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cfg_dict)

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(dir(self._cfg_dict)))

    def __repr__(self) -> str:
        return f'Config (path: {self._filename}): {dict.__repr__(self._cfg_dict)}'

    def to_dict(self) -> Dict[Any, Any]:
        """The content as plain dicts, lists and tuples."""
        return self._cfg_dict.to_dict()

    # -- modification -------------------------------------------------------------
    def merge_from_dict(self, options: Mapping[str, Any], allow_list_keys: bool = True) -> None:
        """Apply dotted-key overrides, e.g. the parsed ``--cfg-options``.

        ``{'model.backbone.depth': 101, 'train_dataloader.dataset.pipeline.1.prob': 0.}``:
        dict values merge into dicts, other values replace, digit keys index
        lists when ``allow_list_keys``.  Errors name the offending option.
        """
        merged = merge_options(self._cfg_dict, options, allow_list_keys)
        object.__setattr__(self, '_cfg_dict', ConfigDict._from_mapping(merged, self._filename))

    # -- output -----------------------------------------------------------------
    def dump(self, file: Optional[PathLike] = None) -> Optional[str]:
        """Write the config to ``file`` (format from its suffix), or return it as text.

        Without ``file`` the text is in the format of :attr:`filename` (Python
        when there is none).
        """
        if file is None:
            suffix = osp.splitext(self._filename)[1] if self._filename else '.py'
            return dump_config_text(self._cfg_dict, suffix)
        file = os.fspath(file)
        suffix = osp.splitext(file)[1]
        if suffix not in CONFIG_SUFFIXES:
            raise ValueError(f"cannot dump config to '{file}': unsupported suffix {suffix!r}; "
                             f'use one of {", ".join(CONFIG_SUFFIXES)}')
        text = dump_config_text(self._cfg_dict, suffix)
        with open(file, 'w', encoding='utf-8') as f:
            f.write(text)
        return None

    # -- copies and pickling --------------------------------------------------------
    def __getstate__(self) -> Dict[str, Any]:
        return {'cfg_dict': self._cfg_dict, 'filename': self._filename, 'text': self._text,
                'files': self.source_files}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        object.__setattr__(self, '_cfg_dict', state['cfg_dict'])
        object.__setattr__(self, '_filename', state['filename'])
        object.__setattr__(self, '_text', state['text'])
        object.__setattr__(self, '_files', state['files'])

    def copy(self) -> 'Config':
        """A shallow copy (the top-level mapping is new; nested values are shared)."""
        return copy.copy(self)

    def __copy__(self) -> 'Config':
        new = Config.__new__(Config)
        state = self.__getstate__()
        state['cfg_dict'] = self._cfg_dict.copy()
        new.__setstate__(state)
        return new

    def __deepcopy__(self, memo: Dict[int, Any]) -> 'Config':
        new = Config.__new__(Config)
        memo[id(self)] = new
        new.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return new
