"""The model zoo index: ``model-index.yml`` and the ``configs/<algo>/metafile.yml`` files.

Torch-free and fast, so ``list_models()`` answers without importing torch: the parsed
index is cached in memory and, as JSON, in the cache directory (``$MMCLS_HOME`` or
``~/.cache/mmcls``), keyed by the paths, sizes and modification times of the YAML files.

Configs and the index are looked up in ``<package>/.mim`` first (an installed package)
and then in the repository root (an editable checkout).
"""
import difflib
import fnmatch
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import yaml

from mmcls.config.zoo import ZOO_PREFIX, resolve_zoo_path

INDEX_FILE = 'model-index.yml'
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))

# Alternative spellings of model names found in user code -> the names of the zoo.
NAME_ALIASES: Tuple[Tuple[str, str], ...] = (
    ('csresnet50', 'cspresnet50'),
    ('csresnext50', 'cspresnext50'),
    ('_in21k-pre-3rdparty_', '_in21k-pre_3rdparty_'),
    ('twins-svt-base_8xb128_3rdparty_in1k', 'twins-svt-base_3rdparty_8xb128_in1k'),
)

_MEMORY_CACHE: Dict[str, Dict[str, dict]] = {}


def zoo_roots() -> List[str]:
    """Folders that may hold ``configs/`` and ``model-index.yml``, in lookup order."""
    return [osp.join(_PACKAGE_DIR, '.mim'), osp.dirname(_PACKAGE_DIR)]


def find_in_zoo(relative_path: str) -> Optional[str]:
    """The first ``<root>/<relative_path>`` file over :func:`zoo_roots`, or None."""
    for root in zoo_roots():
        candidate = osp.join(root, relative_path)
        if osp.isfile(candidate):
            return candidate
    return None


def find_zoo_root() -> str:
    """The first of :func:`zoo_roots` that has a ``model-index.yml``."""
    index = find_in_zoo(INDEX_FILE)
    if index is not None:
        return osp.dirname(index)
    raise FileNotFoundError(f'no {INDEX_FILE} found in {zoo_roots()}; the model zoo index '
                            'ships with the repository (configs/ and model-index.yml)')


def resolve_config_path(config: str) -> str:
    """An existing config path: as given, ``mmcls::REL`` or relative to a zoo root."""
    if config.startswith(ZOO_PREFIX):
        return resolve_zoo_path(config)
    if osp.isfile(config):
        return osp.abspath(config)
    candidate = find_in_zoo(config)
    if candidate is not None:
        return candidate
    raise FileNotFoundError(f'config file {config!r} not found (looked in the current '
                            f'directory and in {zoo_roots()})')


def _read_yaml(path: str):
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
    with open(path, encoding='utf-8') as f:
        try:
            return yaml.load(f, Loader=loader)
        except yaml.YAMLError as e:
            raise ValueError(f'cannot parse {path}: {e}') from e


def _metafile_paths(root: str) -> List[str]:
    index = _read_yaml(osp.join(root, INDEX_FILE)) or {}
    imports = index.get('Import', []) if isinstance(index, dict) else []
    if not isinstance(imports, list):
        raise ValueError(f'{osp.join(root, INDEX_FILE)}: "Import" must be a list of metafiles')
    return [osp.join(root, p) for p in imports]


def _stamp(paths: List[str]) -> str:
    parts = []
    for path in paths:
        st = os.stat(path)
        parts.append(f'{path}:{st.st_size}:{st.st_mtime_ns}')
    return hashlib.sha1('\n'.join(parts).encode()).hexdigest()


def _cache_file(root: str) -> str:
    home = os.environ.get('MMCLS_HOME') or osp.join(osp.expanduser('~'), '.cache', 'mmcls')
    key = hashlib.sha1(root.encode()).hexdigest()[:12]
    return osp.join(home, f'model_index_{key}.json')


def _entry(model: dict, collections: Dict[str, dict], metafile: str) -> dict:
    name = model.get('Name')
    if not name or not model.get('Config'):
        raise ValueError(f'{metafile}: every model needs "Name" and "Config", got {model!r}')
    collection = collections.get(model.get('In Collection'), {})
    paper = collection.get('Paper')
    return {
        'name': name,
        'config': model['Config'],
        'weights': model.get('Weights'),
        'collection': model.get('In Collection'),
        'metadata': model.get('Metadata') or {},
        'results': model.get('Results') or [],
        'paper': paper.get('Title') if isinstance(paper, dict) else paper,
        'metafile': osp.relpath(metafile, osp.dirname(osp.dirname(metafile))),
    }


def _parse_index(root: str, metafiles: List[str]) -> Dict[str, dict]:
    models: Dict[str, dict] = {}
    for metafile in metafiles:
        content = _read_yaml(metafile) or {}
        collections = {c['Name']: c for c in content.get('Collections', []) or []}
        for model in content.get('Models', []) or []:
            entry = _entry(model, collections, metafile)
            key = entry['name'].lower()
            if key in models:
                raise ValueError(f'model name {entry["name"]!r} appears twice in the zoo '
                                 f'({models[key]["metafile"]} and {metafile})')
            models[key] = entry
    return models


def load_model_index(root: Optional[str] = None) -> Dict[str, dict]:
    """Every zoo model as ``{lower-case name: info}``, in metafile order (cached)."""
    root = root or find_zoo_root()
    metafiles = _metafile_paths(root)
    stamp = _stamp([osp.join(root, INDEX_FILE), *metafiles])
    cached = _MEMORY_CACHE.get(root)
    if cached is not None and cached.get('stamp') == stamp:
        return cached['models']
    cache_file = _cache_file(root)
    models = None
    if osp.isfile(cache_file):
        try:
            with open(cache_file, encoding='utf-8') as f:
                data = json.load(f)
            if data.get('stamp') == stamp:
                models = data['models']
        except (OSError, ValueError, KeyError):
            models = None  # a stale or broken cache is rebuilt below
    if models is None:
        models = _parse_index(root, metafiles)
        _write_cache(cache_file, stamp, models)
    _MEMORY_CACHE[root] = {'stamp': stamp, 'models': models}
    return models


def _write_cache(cache_file: str, stamp: str, models: Dict[str, dict]) -> None:
    try:
        os.makedirs(osp.dirname(cache_file), exist_ok=True)
        tmp = f'{cache_file}.{os.getpid()}.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump({'stamp': stamp, 'models': models}, f)
        os.replace(tmp, cache_file)
    except OSError:
        pass  # the cache only saves time; a read-only home still works, just slower


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Names of the zoo models, optionally filtered by a case-insensitive wildcard pattern.

    Example:
        >>> list_models('resnet50_8xb32*in1k')
        ['resnet50_8xb32_in1k', 'resnet50_8xb32-fp16_in1k']
    """
    models = load_model_index()
    if pattern is None:
        return [info['name'] for info in models.values()]
    pattern = pattern.lower()
    return [info['name'] for key, info in models.items() if fnmatch.fnmatchcase(key, pattern)]


def canonical_name(name: str) -> str:
    """Lower-case a model name, drop a ``.py`` suffix and map known misspellings to zoo names."""
    key = name.strip().lower()
    if key.endswith('.py'):
        key = key[:-3]
    models = load_model_index()
    if key in models:
        return key
    for wrong, right in NAME_ALIASES:
        fixed = key.replace(wrong, right)
        if fixed in models:
            return fixed
    return key


def get_model_info(name: str) -> dict:
    """The index entry of a model name (case-insensitive, known aliases accepted), with the
    config as an absolute path."""
    models = load_model_index()
    key = canonical_name(name)
    if key not in models:
        close = difflib.get_close_matches(key, list(models), n=3, cutoff=0.6)
        hint = f'; did you mean {", ".join(repr(models[c]["name"]) for c in close)}?' if close else ''
        raise KeyError(f'{name!r} is not a model of the zoo{hint} (see list_models())')
    info = dict(models[key])
    info['config'] = resolve_config_path(info['config'])
    return info


__all__ = [
    'list_models', 'load_model_index', 'get_model_info', 'canonical_name', 'find_zoo_root',
    'find_in_zoo', 'resolve_config_path', 'zoo_roots', 'NAME_ALIASES'
]
