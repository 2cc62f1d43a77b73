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
from .safe_pickle import is_placeholder, restricted_pickle_module
from .weights import get_cache_dir, resolve_weights

__all__ = ['CheckpointLoader', 'save_checkpoint', 'load_checkpoint', 'load_state_dict',
           'get_state_dict', 'weights_to_cpu', 'find_latest_checkpoint', 'get_cache_dir',
           'load_from_http', 'to_plain', 'CheckpointError', 'load_from_local',
           'state_dict_of', 'reject_foreign_objects']

MapLocation = Union[str, torch.device, Callable, Dict, None]
_SHOWN_KEYS = 5  # how many key names an error or warning lists


class CheckpointError(ValueError):
    """A checkpoint that does not fit: no state dict, foreign objects, or no key of the model."""


def _few(keys: Sequence[str]) -> str:
    keys = list(keys)
    more = f', ... ({len(keys) - _SHOWN_KEYS} more)' if len(keys) > _SHOWN_KEYS else ''
    return ', '.join(keys[:_SHOWN_KEYS]) + more


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


def load_from_http(url: str, map_location: MapLocation = None, progress: bool = True) -> Any:
    """Fetch ``url`` (``http(s)://``, ``file://``, ``torchvision://``) through
    :func:`mmcls.core.weights.resolve_weights` (cache, mirror, hash check) and load it."""
    return load_from_local(resolve_weights(url, progress=progress), map_location)


class CheckpointLoader:
    """Dispatch a checkpoint path to its loader by prefix; URLs and local paths both go through
    :func:`mmcls.core.weights.resolve_weights` (cache, mirror, hash check)."""
    _schemes: Dict[str, Callable] = OrderedDict(
        [('torchvision://', load_from_http), ('https://', load_from_http),
         ('http://', load_from_http), ('file://', load_from_http)])

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
        return load_from_local(resolve_weights(filename), map_location)


def _tensor_dict(checkpoint: Any, filename: str) -> Dict[str, Any]:
    """The state dict in ``checkpoint`` (its ``state_dict`` entry, or itself when bare)."""
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'checkpoint {filename} holds no state dict (it holds a '
                              f'{type(checkpoint).__name__})')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise CheckpointError(f'checkpoint {filename}: "state_dict" is a '
                              f'{type(state_dict).__name__}, not a dict of tensors')
    tensors = [k for k, v in state_dict.items() if torch.is_tensor(v)]
    if not tensors:
        raise CheckpointError(f'checkpoint {filename} holds no state dict (no tensors; found '
                              f'keys: {_few(map(str, state_dict)) or "none"})')
    return state_dict


def state_dict_of(checkpoint: Any, filename: str) -> Dict[str, Any]:
    """The state dict of a loaded checkpoint (its ``state_dict`` entry, or itself when bare);
    :class:`CheckpointError` naming ``filename`` when it holds none."""
    return _tensor_dict(checkpoint, filename)


def _first_foreign(obj: Any, path: str) -> Optional[str]:
    if is_placeholder(obj):
        return path
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = enumerate(obj)
    else:
        return None
    for key, value in items:
        found = _first_foreign(value, f'{path}.{key}')
        if found:
            return found
    return None


def reject_foreign_objects(obj: Any, filename: str, path: str = 'checkpoint') -> None:
    """Raise :class:`CheckpointError` when ``obj`` holds an object of a class pickled by the
    file (loaded as an inert placeholder), naming the file and the key path."""
    found = _first_foreign(obj, path)
    if found:
        raise CheckpointError(f'{filename}: {found} is an object of a class the file pickles, '
                              f'not a tensor or plain data; re-save it as plain data')


def _revise_state_dict(checkpoint: Any, filename: str, revise_keys: Sequence[Tuple[str, str]],
                       prefix: Optional[str]) -> 'OrderedDict[str, Any]':
    state_dict = _tensor_dict(checkpoint, filename)
    metadata = getattr(state_dict, '_metadata', OrderedDict())
    revised: 'OrderedDict[str, Any]' = OrderedDict()
    for key, value in state_dict.items():
        for pattern, repl in revise_keys:
            key = re.sub(pattern, repl, key)
        revised[key] = value
    if prefix:
        if not prefix.endswith('.'):
            prefix += '.'
        found = list(revised)
        revised = OrderedDict((k[len(prefix):], v) for k, v in revised.items()
                              if k.startswith(prefix))
        if not revised:
            raise CheckpointError(f'no key of checkpoint {filename} starts with prefix '
                                  f'{prefix!r}; found keys: {_few(found)}')
    revised._metadata = metadata  # type: ignore[attr-defined]
    revised._source = filename  # type: ignore[attr-defined]  # named by load_state_dict
    return revised


def _adapted_to(module: nn.Module, state_dict: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of ``state_dict`` after the model's own load pre-hooks.

    Models adapt checkpoints in these hooks (a ViT resizes ``pos_embed`` to its patch grid,
    Swin renames the old ``norm.*`` keys), so the key and shape checks must see the
    checkpoint as the model will load it.  The hooks run again inside
    ``load_state_dict`` and find nothing left to change.
    """
    adapted = OrderedDict(state_dict)
    for attr in ('_metadata', '_source'):
        if hasattr(state_dict, attr):
            setattr(adapted, attr, getattr(state_dict, attr))
    for name, sub in module.named_modules(remove_duplicate=False):
        prefix = f'{name}.' if name else ''
        for hook in sub._load_state_dict_pre_hooks.values():
            hook(adapted, prefix, {}, False, [], [], [])
    return adapted


def _model_tensors(module: nn.Module) -> Dict[str, torch.Tensor]:
    """The model's parameters and persistent buffers under the names ``load_state_dict``
    reads (before any state-dict hook renames them for saving)."""
    tensors: Dict[str, torch.Tensor] = {}
    for name, sub in module.named_modules(remove_duplicate=False):
        prefix = f'{name}.' if name else ''
        for key, param in sub._parameters.items():
            if param is not None:
                tensors[prefix + key] = param
        for key, buf in sub._buffers.items():
            if buf is not None and key not in sub._non_persistent_buffers_set:
                tensors[prefix + key] = buf
    return tensors


def _split_shapes(own: Dict[str, torch.Tensor], state_dict: Dict[str, Any]):
    """``state_dict`` without the tensors whose shape differs from the model's, and those keys."""
    shape_errors: List[str] = []
    kept = OrderedDict()
    for key, value in state_dict.items():
        if key in own and torch.is_tensor(value) and own[key].shape != value.shape:
            shape_errors.append(f'{key} has shape {tuple(value.shape)} in the checkpoint, '
                                f'{tuple(own[key].shape)} in the model')
            continue
        kept[key] = value
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        kept._metadata = metadata  # type: ignore[attr-defined]
    return kept, shape_errors


def load_state_dict(module: nn.Module, state_dict: Dict[str, Any], strict: bool = False,
                    logger: Any = 'current', filename: Optional[str] = None) -> None:
    """Load ``state_dict`` into ``module`` under one policy.

    No key in common with the model raises :class:`CheckpointError` naming
    ``filename`` with a few expected and found keys.  A partial match (missing,
    unexpected or mis-shaped keys; mis-shaped tensors are skipped) logs ONE
    warning with the counts and the first few names; ``strict=True`` raises a
    ``RuntimeError`` with that text instead.  ``filename`` defaults to the file
    a state dict from :func:`_revise_state_dict` came from.
    """
    from .model_wrappers import unwrap_model
    filename = filename or getattr(state_dict, '_source', 'the state dict')
    module = unwrap_model(module)
    state_dict = _adapted_to(module, state_dict)
    own = _model_tensors(module)
    if own and not set(own) & set(state_dict):
        raise CheckpointError(f'no key of {filename} matches the model: expected keys like '
                              f'{_few(own)}; found {_few(map(str, state_dict)) or "none"}')
    kept, shape_errors = _split_shapes(own, state_dict)
    result = module.load_state_dict(kept, strict=False)
    missing = [k for k in result.missing_keys if k not in state_dict]  # not the mis-shaped
    parts = []
    if missing:
        parts.append(f'{len(missing)} missing ({_few(missing)})')
    if result.unexpected_keys:
        parts.append(f'{len(result.unexpected_keys)} unexpected '
                     f'({_few(result.unexpected_keys)})')
    if shape_errors:
        parts.append(f'{len(shape_errors)} with a different shape ({_few(shape_errors)})')
    if parts:
        text = f'{filename} does not match the model exactly: ' + '; '.join(parts)
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
    load_state_dict(model, state_dict, strict, logger, filename=filename)
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
