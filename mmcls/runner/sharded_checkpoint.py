"""Checkpoints of FSDP runs: sharded weights and optimizer state, plus a full-weights export.

An FSDP training checkpoint ``epoch_N.pth`` is the usual small file (meta,
message hub, schedulers, RNG states; written by rank 0) whose
``sharded_state`` entry names the folder ``epoch_N.pth.shards`` next to it.
That folder is a ``torch.distributed.checkpoint`` (DCP) checkpoint of
``{'model': ..., 'optimizer': ...}`` that every rank writes its own shards
into, and that a run with another number of ranks can load.
:func:`export_full_state_dict` turns it into one plain state-dict file
(``torch.load`` + ``model.load_state_dict``), without a process group.
"""
from __future__ import annotations

import os
import os.path as osp
import tempfile
from typing import Any, Dict, Optional

import torch

from mmcls.core.checkpoint import CheckpointError, save_checkpoint
from mmcls.core.fsdp import SHARD_SUFFIX, MMFullyShardedDataParallel
from mmcls.utils.dist import barrier, is_main_process

__all__ = ['is_sharded_model', 'is_sharded_checkpoint', 'save_sharded_checkpoint',
           'load_sharded_state', 'load_full_weights', 'gather_full_state_dict',
           'export_full_state_dict']


def is_sharded_model(model: Any) -> bool:
    """True for a model wrapped by the FSDP model wrapper."""
    return isinstance(model, MMFullyShardedDataParallel)


def is_sharded_checkpoint(checkpoint: Any) -> bool:
    return isinstance(checkpoint, dict) and checkpoint.get('sharded_state') is not None


def _shard_dir(filename: str, checkpoint: Dict[str, Any]) -> str:
    path = osp.join(osp.dirname(osp.abspath(filename)), checkpoint['sharded_state'])
    if not osp.isdir(path):
        raise CheckpointError(f'{filename} is a sharded checkpoint but its shard folder {path} '
                              f'is missing')
    return path


def _dcp_states(model: MMFullyShardedDataParallel, optimizer: Optional[torch.optim.Optimizer]):
    from torch.distributed.checkpoint.state_dict import get_model_state_dict, get_state_dict
    if optimizer is None:
        return dict(model=get_model_state_dict(model.sharded))
    model_state, optim_state = get_state_dict(model.sharded, optimizer)
    return dict(model=model_state, optimizer=optim_state)


def save_sharded_checkpoint(checkpoint: Dict[str, Any], filepath: str,
                            model: MMFullyShardedDataParallel, optim_wrapper: Any) -> None:
    """Write ``filepath`` (rank 0) and its shard folder (every rank); collective.

    ``checkpoint`` holds everything but the weights and the optimizer state; an
    ``AmpOptimWrapper``'s loss-scaler state goes into the small file.
    """
    import torch.distributed.checkpoint as dcp
    shard_dir = filepath + SHARD_SUFFIX
    optimizer = getattr(optim_wrapper, 'optimizer', None)
    states = _dcp_states(model, optimizer)
    checkpoint = dict(checkpoint, sharded_state=osp.basename(shard_dir))
    if optimizer is not None:
        # the hyper-parameters (small, the same on every rank) go into the small file:
        # the older FSDP class cannot read them back from a DCP folder
        checkpoint['optimizer_param_groups'] = states['optimizer'].pop('param_groups')
    dcp.save(states, checkpoint_id=shard_dir)
    scaler = getattr(optim_wrapper, 'loss_scaler', None)
    if scaler is not None:
        checkpoint['loss_scaler'] = scaler.state_dict()
    if is_main_process():
        save_checkpoint(checkpoint, filepath)
    barrier()


def load_sharded_state(checkpoint: Dict[str, Any], filename: str,
                       model: MMFullyShardedDataParallel, optim_wrapper: Any) -> None:
    """Load the shards named by ``checkpoint`` into ``model`` (and the optimizer); collective."""
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import set_model_state_dict, set_state_dict
    if not is_sharded_model(model):
        raise CheckpointError(f'{filename} holds sharded weights: resume it with '
                              f"model_wrapper_cfg=dict(type='FSDP') under torchrun, or convert "
                              f'it with export_full_state_dict first')
    optimizer = getattr(optim_wrapper, 'optimizer', None)
    states = _dcp_states(model, optimizer)
    if optimizer is not None:
        if checkpoint.get('optimizer_param_groups') is None:
            raise CheckpointError(f'{filename} has no optimizer state (it was saved with '
                                  f'save_optimizer=False); resume with resume_optimizer=False')
        states['optimizer'].pop('param_groups')
    dcp.load(states, checkpoint_id=_shard_dir(filename, checkpoint))
    if optimizer is None:
        set_model_state_dict(model.sharded, states['model'])
    else:
        optim_state = dict(states['optimizer'], param_groups=checkpoint['optimizer_param_groups'])
        set_state_dict(model.sharded, optimizer, model_state_dict=states['model'],
                       optim_state_dict=optim_state)
    scaler = getattr(optim_wrapper, 'loss_scaler', None)
    if scaler is not None and checkpoint.get('loss_scaler') is not None:
        scaler.load_state_dict(checkpoint['loss_scaler'])


def load_full_weights(model: MMFullyShardedDataParallel, state_dict: Dict[str, torch.Tensor],
                      logger: Any) -> None:
    """Load a full (unsharded) state dict into the sharded model; every rank passes it."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_model_state_dict
    result = set_model_state_dict(model.sharded, dict(state_dict),
                                  options=StateDictOptions(full_state_dict=True, strict=False))
    if result.missing_keys or result.unexpected_keys:
        logger.warning(f'FSDP load: {len(result.missing_keys)} missing key(s) '
                       f'{list(result.missing_keys)[:3]}, {len(result.unexpected_keys)} '
                       f'unexpected key(s) {list(result.unexpected_keys)[:3]}')


def gather_full_state_dict(model: MMFullyShardedDataParallel) -> Dict[str, torch.Tensor]:
    """The full weights on CPU on rank 0 (an empty dict elsewhere); collective."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
    return get_model_state_dict(model.sharded,
                                options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def export_full_state_dict(checkpoint_file: str, out_file: str) -> Dict[str, torch.Tensor]:
    """Write the weights of sharded checkpoint ``checkpoint_file`` as one plain state dict.

    Runs in a single process without a process group.  ``out_file`` loads with
    ``model.load_state_dict(torch.load(out_file, weights_only=True))``.
    """
    from torch.distributed.checkpoint.format_utils import dcp_to_torch_save
    checkpoint = torch.load(checkpoint_file, map_location='cpu', weights_only=True)
    if not is_sharded_checkpoint(checkpoint):
        raise CheckpointError(f'{checkpoint_file} is not a sharded checkpoint (it has no '
                              f'"sharded_state" entry)')
    fd, tmp = tempfile.mkstemp(suffix='.pth', dir=osp.dirname(osp.abspath(out_file)) or '.')
    os.close(fd)
    try:
        dcp_to_torch_save(_shard_dir(checkpoint_file, checkpoint), tmp)
        full = torch.load(tmp, map_location='cpu', weights_only=True)
    finally:
        os.remove(tmp)
    weights = {k: v for k, v in full['model'].items() if torch.is_tensor(v)}
    save_checkpoint(weights, out_file)
    return weights
