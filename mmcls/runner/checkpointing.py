"""Training-checkpoint assembly and restoration for the Runner.

``build_checkpoint`` gathers weights, optimizer, scheduler, message-hub, sampler-seed,
dataset-meta and RNG states into one dict; ``restore_training_state`` puts them back
into a train loop, model, optimizer wrapper and schedulers. Both take the pieces as
arguments, so they touch no private field of the Runner or of the loops.
"""
from typing import Any, Callable, Dict, List, Optional

from mmcls.core.checkpoint import (_revise_state_dict, get_state_dict, load_state_dict, to_plain,
                                   weights_to_cpu)
from mmcls.core.randomness import get_rng_state, set_rng_state

__all__ = ['build_checkpoint', 'checkpoint_meta', 'restore_training_state', 'loader_samplers',
           'scheduler_states', 'load_scheduler_states']


def loader_samplers(loader: Any) -> List[Any]:
    """The distinct samplers of ``loader`` (its sampler and its batch sampler's sampler)."""
    found = [getattr(loader, 'sampler', None)]
    found.append(getattr(getattr(loader, 'batch_sampler', None), 'sampler', None))
    return [s for i, s in enumerate(found) if s is not None and s not in found[:i]]


def scheduler_states(schedulers: Any) -> Any:
    """State dicts of a list of schedulers, or of a dict of such lists."""
    if isinstance(schedulers, dict):
        return {key: [s.state_dict() for s in group] for key, group in schedulers.items()}
    return [s.state_dict() for s in schedulers]


def load_scheduler_states(schedulers: Any, states: Any, filename: str) -> None:
    """Load ``states`` (as made by :func:`scheduler_states`) into ``schedulers``."""
    schedulers = schedulers or []
    if isinstance(schedulers, dict):
        for key, group in schedulers.items():
            for scheduler, state in zip(group, states[key]):
                scheduler.load_state_dict(state)
        return
    if len(states) != len(schedulers):
        raise ValueError(f'{filename} holds {len(states)} parameter scheduler states but the '
                         f'config defines {len(schedulers)} schedulers')
    for scheduler, state in zip(schedulers, states):
        scheduler.load_state_dict(state)


def build_checkpoint(meta: Dict[str, Any], train_loader: Any, model: Any, message_hub: Any,
                     optim_wrapper: Any, param_schedulers: Any, logger: Any) -> Dict[str, Any]:
    """The checkpoint dict; ``optim_wrapper``/``param_schedulers`` of None are left out.

    ``meta`` gains ``rng_state`` (global generators plus the train loader's generator),
    ``sampler_seed`` and ``dataset_meta`` when the train loader has them.  A ``model`` of
    None leaves the weights out (sharded runs write them separately).
    """
    meta = dict(meta, rng_state=get_rng_state())
    loader_generator = getattr(train_loader, 'generator', None)
    if loader_generator is not None:
        meta['rng_state']['train_loader'] = loader_generator.get_state()
    samplers = [s for s in loader_samplers(train_loader) if getattr(s, 'seed', None) is not None]
    if samplers:
        meta['sampler_seed'] = int(samplers[0].seed)
    dataset_meta = getattr(getattr(train_loader, 'dataset', None), 'metainfo', None)
    if dataset_meta is not None:
        try:
            meta['dataset_meta'] = to_plain(dict(dataset_meta), 'meta.dataset_meta')
        except TypeError as error:
            logger.warning(f'dataset_meta is not saved in the checkpoint: {error}')
    checkpoint: Dict[str, Any] = dict(meta=meta, message_hub=message_hub.state_dict())
    if model is not None:
        checkpoint['state_dict'] = weights_to_cpu(get_state_dict(model))
    if optim_wrapper is not None and hasattr(optim_wrapper, 'state_dict'):
        checkpoint['optimizer'] = optim_wrapper.state_dict()
    if param_schedulers:
        checkpoint['param_schedulers'] = scheduler_states(param_schedulers)
    return checkpoint


def checkpoint_meta(checkpoint: Any, filename: str) -> Dict[str, Any]:
    """The ``meta`` entry of a training checkpoint; a clear error for a weights-only file."""
    if not isinstance(checkpoint, dict) or 'meta' not in checkpoint:
        raise KeyError(f'{filename} has no "meta" entry; it is a weights file, not a training '
                       f'checkpoint (use load_from without resume)')
    return checkpoint['meta']


def _warn_dataset_meta_mismatch(meta: Dict[str, Any], train_loader: Any, logger: Any) -> None:
    train_meta = getattr(getattr(train_loader, 'dataset', None), 'metainfo', None)
    if meta.get('dataset_meta') is None or train_meta is None:
        return
    try:
        same = to_plain(train_meta) == meta['dataset_meta']
    except (TypeError, RuntimeError):
        same = True
    if not same:
        logger.warning('The dataset metainfo of the checkpoint differs from the current '
                       'training dataset')


def _restore_rng(rng_state: Optional[dict], loop: Any) -> None:
    if rng_state is None:
        return
    set_rng_state(rng_state)
    if hasattr(loop, 'pending_rng_state'):
        # Iteration-based: replaying the skipped batches also replays the loader
        # generator; the global states are set again after the skip.
        loop.pending_rng_state = rng_state
    elif rng_state.get('train_loader') is not None \
            and getattr(loop.dataloader, 'generator', None) is not None:
        loop.dataloader.generator.set_state(rng_state['train_loader'])


def restore_training_state(checkpoint: Dict[str, Any], filename: str, loop: Any, model: Any,
                           message_hub: Any, optim_wrapper: Any, param_schedulers: Any,
                           logger: Any, after_load: Callable[[dict], None],
                           load_weights: bool = True) -> None:
    """Put a training checkpoint back into ``loop``, ``model``, optimizer and schedulers.

    ``optim_wrapper``/``param_schedulers`` of None are not restored. ``after_load`` is called
    with the checkpoint before the weights are loaded (hooks may rewrite its entries).
    ``load_weights=False`` leaves the model alone (sharded weights are loaded separately).
    """
    meta = checkpoint_meta(checkpoint, filename)
    loop.restore_progress(int(meta.get('epoch', 0)), int(meta.get('iter', 0)))
    _warn_dataset_meta_mismatch(meta, loop.dataloader, logger)
    hub_state = checkpoint.get('message_hub')
    if isinstance(hub_state, dict):
        message_hub.load_state_dict(hub_state)
    if optim_wrapper is not None and checkpoint.get('optimizer') is not None:
        optim_wrapper.load_state_dict(checkpoint['optimizer'])
    if param_schedulers is not None and checkpoint.get('param_schedulers') is not None:
        load_scheduler_states(param_schedulers, checkpoint['param_schedulers'], filename)
    sampler_seed = meta.get('sampler_seed')
    if sampler_seed is not None:
        for sampler in loader_samplers(loop.dataloader):
            if hasattr(sampler, 'seed'):
                sampler.seed = sampler_seed
    after_load(checkpoint)
    if load_weights:
        state_dict = _revise_state_dict(checkpoint, filename, [(r'^module\.', '')], None)
        load_state_dict(model, state_dict, strict=False, logger=logger)
    _restore_rng(meta.get('rng_state'), loop)
