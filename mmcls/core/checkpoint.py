"""Checkpoint I/O: MMEngine-layout ``.pth`` files, ``.safetensors`` weights, URLs.

Saved checkpoints hold tensors and plain Python types only, are written to a
temporary file then renamed (a crash never leaves a truncated checkpoint), and
load with ``torch.load(weights_only=True)``.  Foreign checkpoints that pickle
their own classes load through :mod:`mmcls.core.safe_pickle`, which never
imports or runs code named by the file.
"""
from __future__ import annotations

import os
import os.path as osp
import pickle
import re
import tempfile
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn

from .logging import print_log
from .safe_pickle import restricted_pickle_module

__all__ = ['CheckpointLoader', 'save_checkpoint', 'load_checkpoint', 'load_state_dict',
           'get_state_dict', 'weights_to_cpu', 'find_latest_checkpoint', 'get_cache_dir',
           'load_from_http', 'to_plain']

MapLocation = Union[str, torch.device, Callable, Dict, None]


def get_cache_dir() -> str:
    """Download cache for checkpoints: ``$MMCLS_HOME`` or ``~/.cache/mmcls``."""
    return os.environ.get('MMCLS_HOME') or osp.join(osp.expanduser('~'), '.cache', 'mmcls')


# ---------------------------------------------------------------- saving
def to_plain(obj: Any, path: str = 'checkpoint') -> Any:
    """Return ``obj`` with numpy values turned into tensors/python scalars.

    Raises ``TypeError`` naming the key path of any other non-plain object, so
    a checkpoint never needs pickled classes to load.
    """
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, torch.Tensor,
                                       torch.dtype, torch.device, torch.Size)):
        return obj
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        items = ((k, to_plain(v, f'{path}.{k}')) for k, v in obj.items())
        return OrderedDict(items) if isinstance(obj, OrderedDict) else dict(items)
    if isinstance(obj, (list, tuple)):
        values = [to_plain(v, f'{path}[{i}]') for i, v in enumerate(obj)]
        return values if isinstance(obj, list) else tuple(values)
    if isinstance(obj, (set, frozenset)):
        return type(obj)(to_plain(v, path) for v in obj)
    raise TypeError(f'{path} holds a {type(obj).__module__}.{type(obj).__qualname__}; checkpoints '
                    f'may only contain tensors and plain Python types')


def weights_to_cpu(state_dict: Dict[str, Any]) -> Dict[str, Any]:
    """Copy of ``state_dict`` with every tensor moved to the CPU (metadata kept)."""
    cpu = OrderedDict((k, v.detach().cpu() if torch.is_tensor(v) else v)
                      for k, v in state_dict.items())
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        cpu._metadata = metadata  # type: ignore[attr-defined]
    return cpu


def get_state_dict(module: nn.Module) -> Dict[str, torch.Tensor]:
    """The state dict of ``module`` with any model wrapper (DDP, compile) removed."""
    from .model_wrappers import unwrap_model
    return unwrap_model(module).state_dict()


def _atomic_write(filename: str, write: Callable[[str], None]) -> None:
    directory = osp.dirname(osp.abspath(filename))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix=osp.basename(filename), dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, filename)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def save_checkpoint(checkpoint: Dict[str, Any], filename: str) -> None:
    """Write ``checkpoint`` atomically; ``.safetensors`` files get its ``state_dict`` only."""
    if filename.endswith('.safetensors'):
        from safetensors.torch import save_file
        weights = checkpoint.get('state_dict', checkpoint)
        tensors = {k: v.detach().cpu().contiguous() for k, v in weights.items()
                   if torch.is_tensor(v)}
        _atomic_write(filename, lambda path: save_file(tensors, path, metadata={'format': 'pt'}))
        return
    plain = to_plain(checkpoint)
    _atomic_write(filename, lambda path: torch.save(plain, path))


# ---------------------------------------------------------------- loading
def _torch_load(filename: str, map_location: MapLocation) -> Any:
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if 'weights_only' not in str(error) and 'Unsupported global' not in str(error):
            raise
    unpickled = torch.load(filename, map_location=map_location, weights_only=False,
                           pickle_module=restricted_pickle_module)
    print_log(f'{filename} pickles classes other than tensors and plain data; they were '
              f'loaded as inert placeholders (no code from the file was run)', logger='current',
              level=30)
    return unpickled


def load_from_local(filename: str, map_location: MapLocation = None) -> Any:
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename} does not exist')
    if filename.endswith('.safetensors'):
        from safetensors.torch import load_file
        device = map_location if isinstance(map_location, (str, torch.device)) else 'cpu'
        return OrderedDict(load_file(filename, device=str(device)))
    return _torch_load(filename, map_location)


_HASH_RE = re.compile(r'-([a-f0-9]{8,})\.')


def load_from_http(url: str, map_location: MapLocation = None,
                   model_dir: Optional[str] = None, progress: bool = True) -> Any:
    """Download ``url`` into the cache (once) and load it.

    Like ``torch.hub``, a file name ending in ``-<hex>.pth`` is checked against
    that hash prefix.
    """
    model_dir = model_dir or osp.join(get_cache_dir(), 'checkpoints')
    filename = osp.basename(url.split('?')[0])
    cached = osp.join(model_dir, filename)
    if not osp.exists(cached):
        from torch.hub import download_url_to_file
        os.makedirs(model_dir, exist_ok=True)
        match = _HASH_RE.search(filename)
        try:
            download_url_to_file(url, cached, match.group(1) if match else None, progress=progress)
        except Exception as error:
            raise RuntimeError(f'could not download {url} to {cached}: {error}. Without network '
                               f'access, put the file at {cached}') from error
    return load_from_local(cached, map_location)


class CheckpointLoader:
    """Dispatch a checkpoint path to its loader by prefix (``http://``, ``https://``, local)."""
    _schemes: Dict[str, Callable] = OrderedDict(
        [('https://', load_from_http), ('http://', load_from_http)])

    @classmethod
    def register_scheme(cls, prefixes: Union[str, Sequence[str]], loader: Callable,
                        force: bool = False) -> None:
        for prefix in [prefixes] if isinstance(prefixes, str) else prefixes:
            if prefix in cls._schemes and not force:
                raise KeyError(f'checkpoint scheme {prefix!r} is already registered')
            cls._schemes[prefix] = loader
        # longest prefixes first so 'https://' wins over 'http'
        cls._schemes = OrderedDict(sorted(cls._schemes.items(), key=lambda kv: -len(kv[0])))

    @classmethod
    def load_checkpoint(cls, filename: str, map_location: MapLocation = None,
                        logger: Any = 'current') -> Any:
        for prefix, loader in cls._schemes.items():
            if filename.startswith(prefix):
                print_log(f'Loads checkpoint by {prefix} from {filename}', logger=logger, level=10)
                return loader(filename, map_location)
        return load_from_local(filename, map_location)


def _revise_state_dict(checkpoint: Any, filename: str, revise_keys: Sequence[Tuple[str, str]],
                       prefix: Optional[str]) -> 'OrderedDict[str, Any]':
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'no state_dict found in checkpoint file {filename} '
                           f'(it holds a {type(checkpoint).__name__})')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise RuntimeError(f'checkpoint {filename}: "state_dict" is a '
                           f'{type(state_dict).__name__}, not a dict')
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    revised: 'OrderedDict[str, Any]' = OrderedDict()
    for key, value in state_dict.items():
        for pattern, repl in revise_keys:
            key = re.sub(pattern, repl, key)
        revised[key] = value
    if prefix:
        if not prefix.endswith('.'):
            prefix += '.'
        revised = OrderedDict((k[len(prefix):], v) for k, v in revised.items()
                              if k.startswith(prefix))
        if not revised:
            raise KeyError(f'no key of checkpoint {filename} starts with prefix {prefix!r}')
    revised._metadata = metadata  # type: ignore[attr-defined]
    return revised


def load_state_dict(module: nn.Module, state_dict: Dict[str, Any], strict: bool = False,
                    logger: Any = 'current') -> None:
    """Load ``state_dict`` into ``module``, reporting missing, unexpected and mis-shaped keys.

    Mis-shaped tensors are skipped (and reported) rather than raising deep in
    torch; ``strict=True`` turns any mismatch into a ``RuntimeError``.
    """
    from .model_wrappers import unwrap_model
    module = unwrap_model(module)
    own = module.state_dict()
    shape_errors: List[str] = []
    filtered = OrderedDict()
    for key, value in state_dict.items():
        if key in own and torch.is_tensor(value) and own[key].shape != value.shape:
            shape_errors.append(f'{key}: checkpoint {tuple(value.shape)} vs model '
                                f'{tuple(own[key].shape)}')
            continue
        filtered[key] = value
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        filtered._metadata = metadata  # type: ignore[attr-defined]
    result = module.load_state_dict(filtered, strict=False)
    messages = []
    if result.unexpected_keys:
        messages.append(f'unexpected key in source state_dict: {", ".join(result.unexpected_keys)}')
    if result.missing_keys:
        messages.append(f'missing keys in source state_dict: {", ".join(result.missing_keys)}')
    if shape_errors:
        messages.append('size mismatch: ' + '; '.join(shape_errors))
    if messages:
        text = 'The model and loaded state dict do not match exactly\n' + '\n'.join(messages)
        if strict:
            raise RuntimeError(text)
        print_log(text, logger=logger, level=30)


def load_checkpoint(model: nn.Module,
                    filename: str,
                    map_location: MapLocation = None,
                    strict: bool = False,
                    logger: Any = 'current',
                    revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''),),
                    prefix: Optional[str] = None) -> Any:
    """Load the weights of ``filename`` into ``model`` and return the whole checkpoint.

    ``revise_keys`` are ``(pattern, replacement)`` regex substitutions applied to
    every key (by default the ``module.`` of DDP checkpoints is dropped);
    ``prefix`` keeps only keys under it, with the prefix removed.
    """
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location, logger)
    state_dict = _revise_state_dict(checkpoint, filename, revise_keys, prefix)
    load_state_dict(model, state_dict, strict, logger)
    return checkpoint


def find_latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint named in ``work_dir/last_checkpoint``, else the newest ``epoch_N``/``iter_N``."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if osp.exists(marker):
        with open(marker, encoding='utf-8') as f:
            path = f.read().strip()
        if path and osp.exists(path):
            return path
        if path and osp.exists(osp.join(work_dir, osp.basename(path))):
            return osp.join(work_dir, osp.basename(path))
    if not osp.isdir(work_dir):
        return None
    best: Optional[Tuple[int, str]] = None
    for name in os.listdir(work_dir):
        match = re.fullmatch(r'(?:epoch|iter)_(\d+)\.pth', name)
        if match and (best is None or int(match.group(1)) > best[0]):
            best = (int(match.group(1)), osp.join(work_dir, name))
    return best[1] if best else None
