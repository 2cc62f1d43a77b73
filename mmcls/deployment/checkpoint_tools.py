"""Prepare training checkpoints for release: ``publish_model`` and the safetensors export.

A training checkpoint carries the optimizer, scheduler and message-hub state needed to resume;
a published one keeps only ``state_dict`` and ``meta`` and is named
``{stem}_{YYYYMMDD}-{sha256[:8]}.pth``, the hash being that of the written
file so that loaders (``mmcls.core.weights``) can verify it.
"""
from __future__ import annotations

import datetime
import json
import os
import os.path as osp
import tempfile
from typing import Any, Dict, Optional

import torch

__all__ = ['RELEASE_KEYS', 'strip_checkpoint', 'publish_model', 'export_safetensors',
           'read_safetensors_meta']

RELEASE_KEYS = ('state_dict', 'meta')
_DTYPES = {'fp32': torch.float32, 'fp16': torch.float16, 'bf16': torch.bfloat16}


def _load(in_file: str) -> Dict[str, Any]:
    """``{'state_dict': ..., 'meta': ...}`` of ``in_file``; :class:`CheckpointError` when it
    holds no state dict or objects of pickled classes where the release keeps data."""
    from mmcls.core.checkpoint import (CheckpointError, load_from_local,
                                       reject_foreign_objects, state_dict_of)
    checkpoint = load_from_local(in_file, map_location='cpu')
    state_dict = state_dict_of(checkpoint, in_file)
    meta = checkpoint.get('meta', {}) if state_dict is not checkpoint else {}
    if meta is not None and not isinstance(meta, dict):
        raise CheckpointError(f'{in_file}: "meta" is a {type(meta).__name__}, not a dict')
    loaded = {'state_dict': state_dict, 'meta': meta or {}}
    reject_foreign_objects(loaded, in_file)
    return loaded


def strip_checkpoint(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """Keep only ``state_dict`` and ``meta`` (without the hook/message-hub records).

    With the EMA hook the ``state_dict`` already holds the averaged weights (the hook swaps them
    in before saving), so the release gets those.
    """
    stripped = {k: checkpoint[k] for k in RELEASE_KEYS if k in checkpoint}
    meta = dict(stripped.get('meta') or {})
    for key in ('hook_msgs', 'message_hub'):
        meta.pop(key, None)
    stripped['meta'] = meta
    return stripped


def _sha256(path: str) -> str:
    from mmcls.core.weights import sha256_of
    return sha256_of(path)


def publish_model(in_file: str, out_file: str, date: Optional[str] = None) -> str:
    """Write the release form of ``in_file`` and return its final path.

    ``out_file`` gives the folder and stem (``work_dirs/resnet18.pth`` →
    ``work_dirs/resnet18_20230101-1a2b3c4d.pth``); ``date`` defaults to today (UTC).
    """
    from mmcls.core.checkpoint import save_checkpoint
    stem = osp.splitext(out_file)[0] if out_file.endswith('.pth') else out_file
    date = date or datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%d')
    if len(date) != 8 or not date.isdigit():
        raise ValueError(f'date must be YYYYMMDD, got {date!r}')
    released = strip_checkpoint(_load(in_file))
    folder = osp.dirname(osp.abspath(stem))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.pth', dir=folder)
    os.close(fd)
    try:
        save_checkpoint(released, tmp)
        final = f'{stem}_{date}-{_sha256(tmp)[:8]}.pth'
        os.replace(tmp, final)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return final


def export_safetensors(in_file: str, out_file: str, dtype: Optional[str] = None) -> str:
    """Write the weights of ``in_file`` as ``.safetensors`` (no pickle; memory-mappable).

    Float tensors are cast to ``dtype`` (``fp32``/``fp16``/``bf16``) when given.  The checkpoint's
    ``meta`` (e.g. ``dataset_meta.classes``) is kept as JSON under the ``mmcls_meta`` metadata key;
    :func:`read_safetensors_meta` reads it back.
    """
    from safetensors.torch import save_file
    if not out_file.endswith('.safetensors'):
        raise ValueError(f'out_file must end with .safetensors, got {out_file!r}')
    if dtype is not None and dtype not in _DTYPES:
        raise ValueError(f'dtype must be one of {sorted(_DTYPES)}, got {dtype!r}')
    released = strip_checkpoint(_load(in_file))
    tensors = {}
    for key, value in released['state_dict'].items():
        if not torch.is_tensor(value):
            continue
        if dtype is not None and value.is_floating_point():
            value = value.to(_DTYPES[dtype])
        tensors[key] = value.detach().cpu().contiguous()
    metadata = {'format': 'pt', 'mmcls_meta': json.dumps(released['meta'], default=str)}
    folder = osp.dirname(osp.abspath(out_file))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.safetensors', dir=folder)
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        os.replace(tmp, out_file)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return out_file


def read_safetensors_meta(path: str) -> Dict[str, Any]:
    """The ``meta`` that :func:`export_safetensors` stored in ``path`` (``{}`` when none)."""
    from safetensors import safe_open
    with safe_open(path, framework='pt') as f:
        metadata = f.metadata() or {}
    return json.loads(metadata.get('mmcls_meta', '{}'))
