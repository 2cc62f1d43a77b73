"""Fully sharded data parallel training (``model_wrapper_cfg=dict(type='FSDP', ...)``).

Parameters, gradients and optimizer states are sharded over the ranks.  The
wrapper uses torch's ``fully_shard`` API (FSDP2) and falls back to the older
``FullyShardedDataParallel`` class where ``fully_shard`` is missing.  Each
block of the backbone (a transformer layer, a residual block) becomes its own
shard unit, so only one block's full parameters live in memory at a time.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Type, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as torch_checkpoint

from mmcls.registry import MODEL_WRAPPERS

__all__ = ['MMFullyShardedDataParallel', 'find_block_classes', 'mixed_precision_dtypes',
           'fsdp_api_available', 'SHARD_SUFFIX']

# a sharded checkpoint ``X.pth`` keeps its weight and optimizer shards in ``X.pth.shards/``
SHARD_SUFFIX = '.shards'

_DTYPES = {'float32': torch.float32, 'float16': torch.float16, 'bfloat16': torch.bfloat16}
_APIS = ('fully_shard', 'FullyShardedDataParallel')


def fsdp_api_available(api: str) -> bool:
    """Whether this torch has ``api`` (``'fully_shard'`` or ``'FullyShardedDataParallel'``)."""
    try:
        if api == 'fully_shard':
            from torch.distributed.fsdp import fully_shard  # noqa: F401
        else:
            from torch.distributed.fsdp import FullyShardedDataParallel  # noqa: F401
    except ImportError:
        return False
    return True


def _is_torch_builtin(module: nn.Module) -> bool:
    return type(module).__module__.startswith('torch.')


def find_block_classes(model: nn.Module) -> Set[Type[nn.Module]]:
    """The classes of the blocks in the backbone's block lists.

    A block list is an ``nn.ModuleList`` or ``nn.Sequential`` inside
    ``model.backbone`` (the model itself without one); its blocks are the
    elements that are not torch built-ins (``Linear``, ``Conv2d``...) and hold
    parameters, e.g. ViT's ``TransformerEncoderLayer`` and ResNet's ``Bottleneck``.
    """
    backbone = getattr(model, 'backbone', model)
    found: Set[Type[nn.Module]] = set()
    for container in backbone.modules():
        if not isinstance(container, (nn.ModuleList, nn.Sequential)):
            continue
        for child in container.children():
            if isinstance(child, (nn.ModuleList, nn.Sequential)) or _is_torch_builtin(child):
                continue
            if any(True for _ in child.parameters()):
                found.add(type(child))
    return found


def _resolve_block_classes(model: nn.Module,
                           auto_wrap: Union[str, Sequence[str], None]) -> Set[Type[nn.Module]]:
    if auto_wrap is None:
        return set()
    if auto_wrap == 'blocks':
        return find_block_classes(model)
    if isinstance(auto_wrap, str) or not all(isinstance(n, str) for n in auto_wrap):
        raise TypeError(f"FSDP: auto_wrap must be None, 'blocks' or a list of class names, "
                        f'got {auto_wrap!r}')
    by_name = {type(m).__name__: type(m) for m in model.modules()}
    missing = [name for name in auto_wrap if name not in by_name]
    if missing:
        raise ValueError(f'FSDP: auto_wrap names {missing}, which no module of the model is '
                         f'(classes present include {sorted(by_name)[:8]})')
    return {by_name[name] for name in auto_wrap}


def mixed_precision_dtypes(cfg: Optional[Dict[str, Any]]) -> Dict[str, torch.dtype]:
    """``mixed_precision`` option to dtypes: keys ``param_dtype``, ``reduce_dtype``
    (gradient reduction), ``buffer_dtype`` (the older API only); values are
    ``'float32'``, ``'float16'``, ``'bfloat16'`` or torch dtypes."""
    if cfg is None:
        return {}
    if not isinstance(cfg, dict):
        raise TypeError(f'FSDP: mixed_precision must be a dict, got {type(cfg).__name__}')
    allowed = ('param_dtype', 'reduce_dtype', 'buffer_dtype')
    unknown = [k for k in cfg if k not in allowed]
    if unknown:
        raise KeyError(f'FSDP: unknown mixed_precision key(s) {unknown}; allowed: {allowed}')
    dtypes = {}
    for key, value in cfg.items():
        if isinstance(value, str):
            if value not in _DTYPES:
                raise ValueError(f'FSDP: mixed_precision.{key} must be one of {sorted(_DTYPES)}, '
                                 f'got {value!r}')
            value = _DTYPES[value]
        if value not in _DTYPES.values():
            raise ValueError(f'FSDP: mixed_precision.{key} must be a float dtype, got {value!r}')
        dtypes[key] = value
    return dtypes


def _checkpointed_forward(forward, *args, **kwargs):
    return torch_checkpoint.checkpoint(forward, *args, use_reentrant=False, **kwargs)


def _apply_activation_checkpointing(blocks: List[nn.Module]) -> None:
    """Recompute each block's activations in backward instead of keeping them.

    The block's ``forward`` is replaced on the instance, so parameter names
    (and so checkpoints) stay those of the unwrapped model.
    """
    for block in blocks:
        block.forward = functools.partial(_checkpointed_forward, block.forward)


@MODEL_WRAPPERS.register_module(name=['FSDP', 'MMFullyShardedDataParallel'])
class MMFullyShardedDataParallel(nn.Module):
    """Shard ``module`` over the ranks and run its ``train_step``/``val_step``/``test_step``.

    Args:
        module: the model (on its device; weights may still be uninitialised).
        auto_wrap: ``'blocks'`` (default: every block of the backbone's block
            lists, see :func:`find_block_classes`), a list of class names, or
            None (one shard unit for the whole model).
        mixed_precision: e.g. ``dict(param_dtype='bfloat16', reduce_dtype='float32')``:
            compute in ``param_dtype`` while the sharded master weights stay float32.
        activation_checkpointing: recompute the blocks' activations in backward.
        reshard_after_forward: free the gathered parameters after each block's
            forward (less memory, one more all-gather in backward).
        api: ``None`` (``fully_shard`` where torch has it, else
            ``FullyShardedDataParallel``), or either name to force one.
        init_weights: run the model's ``init_weights`` and copy rank 0's
            weights to every rank before sharding, so all ranks shard one model.
            With False the model must arrive initialised and equal on every rank:
            the Runner does not initialise an FSDP model after it is sharded.
    """

    def __init__(self, module: nn.Module, auto_wrap: Union[str, Sequence[str], None] = 'blocks',
                 mixed_precision: Optional[Dict[str, Any]] = None,
                 activation_checkpointing: bool = False, reshard_after_forward: bool = True,
                 api: Optional[str] = None, init_weights: bool = True):
        super().__init__()
        import torch.distributed as dist
        if not (dist.is_available() and dist.is_initialized()):
            raise RuntimeError('FSDP needs an initialised process group: start the run with '
                               'torchrun and launcher="pytorch"')
        self.api = self._choose_api(api)
        dtypes = mixed_precision_dtypes(mixed_precision)
        block_classes = _resolve_block_classes(module, auto_wrap)
        if init_weights:
            self._init_and_sync(module)
        blocks = [m for m in module.modules() if type(m) in block_classes]
        if activation_checkpointing:
            if not blocks:
                raise ValueError('FSDP: activation_checkpointing needs blocks to checkpoint; '
                                 'set auto_wrap to "blocks" or a list of class names')
            _apply_activation_checkpointing(blocks)
        self.block_classes = sorted(cls.__name__ for cls in block_classes)
        if self.api == 'fully_shard':
            self.sharded = self._fully_shard(module, blocks, dtypes, reshard_after_forward)
        else:
            self.sharded = self._legacy_wrap(module, block_classes, dtypes, reshard_after_forward)

    @staticmethod
    def _choose_api(api: Optional[str]) -> str:
        if api is not None and api not in _APIS:
            raise ValueError(f'FSDP: api must be None or one of {_APIS}, got {api!r}')
        for name in ([api] if api else _APIS):
            if fsdp_api_available(name):
                return name
        raise RuntimeError(f'FSDP: this torch ({torch.__version__}) has no '
                           f'{api or " or ".join(_APIS)}')

    @staticmethod
    def _init_and_sync(module: nn.Module) -> None:
        import torch.distributed as dist
        if hasattr(module, 'init_weights'):
            module.init_weights()
        with torch.no_grad():
            for tensor in module.state_dict().values():
                dist.broadcast(tensor, src=0)

    @staticmethod
    def _fully_shard(module: nn.Module, blocks: List[nn.Module], dtypes: Dict[str, torch.dtype],
                     reshard: bool) -> nn.Module:
        from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
        policy = MixedPrecisionPolicy(param_dtype=dtypes.get('param_dtype'),
                                      reduce_dtype=dtypes.get('reduce_dtype'))
        for block in blocks:
            fully_shard(block, mp_policy=policy, reshard_after_forward=reshard)
        fully_shard(module, mp_policy=policy, reshard_after_forward=reshard)
        return module

    @staticmethod
    def _legacy_wrap(module: nn.Module, block_classes: Set[Type[nn.Module]],
                     dtypes: Dict[str, torch.dtype], reshard: bool) -> nn.Module:
        from torch.distributed.fsdp import (FullyShardedDataParallel, MixedPrecision,
                                            ShardingStrategy)
        from torch.distributed.fsdp.wrap import ModuleWrapPolicy
        device = next(module.parameters()).device
        return FullyShardedDataParallel(
            module, auto_wrap_policy=ModuleWrapPolicy(block_classes) if block_classes else None,
            mixed_precision=MixedPrecision(**dtypes) if dtypes else None, use_orig_params=True,
            sharding_strategy=ShardingStrategy.FULL_SHARD if reshard
            else ShardingStrategy.SHARD_GRAD_OP,
            device_id=device if device.type == 'cpu' else device.index)

    @property
    def module(self) -> nn.Module:
        """The user model (its parameters are the sharded ones)."""
        if self.api == 'fully_shard':
            return self.sharded
        return self.sharded.module

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Accumulate gradients locally (no reduce-scatter) inside the block."""
        if self.api != 'fully_shard':
            with self.sharded.no_sync():
                yield
            return
        self.sharded.set_requires_gradient_sync(False)
        try:
            yield
        finally:
            self.sharded.set_requires_gradient_sync(True)

    def clip_grad_norm_(self, max_norm: float, norm_type: float = 2.0,
                        **kwargs) -> torch.Tensor:
        """Clip by the norm of the whole gradient, over every rank's shards; collective."""
        if self.api != 'fully_shard':
            return self.sharded.clip_grad_norm_(max_norm, norm_type)
        params = [p for p in self.parameters() if p.grad is not None]
        norm = nn.utils.clip_grad_norm_(params, max_norm, norm_type, **kwargs)
        return norm.full_tensor() if hasattr(norm, 'full_tensor') else norm

    def forward(self, *args, **kwargs) -> Any:
        return self.sharded(*args, **kwargs)

    def train_step(self, data: Any, optim_wrapper) -> Dict[str, torch.Tensor]:
        """Preprocess, forward through the sharded root in ``'loss'`` mode, update."""
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            if isinstance(data, dict):
                losses = self.sharded(**data, mode='loss')
            else:
                losses = self.sharded(*data, mode='loss')
        parsed_loss, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: Any) -> List[Any]:
        return self._predict(data)

    def test_step(self, data: Any) -> List[Any]:
        return self._predict(data)

    def _predict(self, data: Any) -> List[Any]:
        data = self.module.data_preprocessor(data, training=False)
        if isinstance(data, dict):
            return self.sharded(**data, mode='predict')
        return self.sharded(*data, mode='predict')
