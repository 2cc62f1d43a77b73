"""``SwitchRecipeHook``: change the train pipeline, batch augments or loss at chosen epochs.

Recipes such as MobileOne's train with strong augmentation first and weaker
augmentation later.  Each schedule item names the (1-based) epoch from which
it applies and any of:

- ``train_pipeline`` (alias ``pipeline``): a list of transform configs (or
  callables) that replaces the pipeline of the train dataset, inside dataset
  wrappers too;
- ``batch_augments``: a ``RandomBatchAugment`` config, a callable, or None to
  switch batch augmentation off;
- ``loss``: a loss config or module that replaces ``head.loss_module`` (or the
  model's own ``loss_module``).

Keys left out keep their current setting.  When training resumes at epoch
``e``, every item with ``action_epoch <= e`` is applied again before the first
epoch, in order, so the resumed run uses the recipe it was using.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any, Dict, List, Sequence

from mmcls.core.model_wrappers import unwrap_model
from mmcls.datasets.transforms.wrappers import Compose
from mmcls.models.builder import build_loss
from mmcls.models.utils.batch_augments.wrapper import RandomBatchAugment
from mmcls.registry import HOOKS

from .hook import Hook

__all__ = ['SwitchRecipeHook']

_RECIPE_KEYS = ('train_pipeline', 'batch_augments', 'loss')


def _build_recipe(item: Dict[str, Any], index: int) -> Dict[str, Any]:
    """Validate one schedule item and build its pipeline, batch augments and loss."""
    if not isinstance(item, dict):
        raise TypeError(f'SwitchRecipeHook: schedule[{index}] must be a dict, got '
                        f'{type(item).__name__}')
    item = deepcopy(item)
    if 'pipeline' in item:
        if 'train_pipeline' in item:
            raise ValueError(f'SwitchRecipeHook: schedule[{index}] gives both "pipeline" and '
                             '"train_pipeline"')
        item['train_pipeline'] = item.pop('pipeline')
    item.pop('action_epoch')
    unknown = sorted(set(item) - set(_RECIPE_KEYS))
    if unknown:
        raise KeyError(f'SwitchRecipeHook: schedule[{index}] has unknown keys {unknown}; '
                       f'expected action_epoch and any of {list(_RECIPE_KEYS)}')
    if 'train_pipeline' in item and not isinstance(item['train_pipeline'], Compose):
        item['train_pipeline'] = Compose(item['train_pipeline'])
    if isinstance(item.get('batch_augments'), dict):
        item['batch_augments'] = RandomBatchAugment(**item['batch_augments'])
    if isinstance(item.get('loss'), dict):
        item['loss'] = build_loss(item['loss'])
    return item


def _set_pipeline(dataset: Any, pipeline: Compose) -> None:
    """Replace the pipeline of ``dataset``, descending into dataset wrappers."""
    if hasattr(dataset, 'pipeline'):
        dataset.pipeline = pipeline
    elif hasattr(dataset, 'datasets'):
        for sub in dataset.datasets:
            _set_pipeline(sub, pipeline)
    elif hasattr(dataset, 'dataset'):
        _set_pipeline(dataset.dataset, pipeline)
    else:
        raise AttributeError(f'SwitchRecipeHook: the train dataset {type(dataset).__name__} has '
                             'no `pipeline` (nor a wrapped dataset with one)')


@HOOKS.register_module()
class SwitchRecipeHook(Hook):
    """Switch the training recipe at the epochs given in ``schedule``.

    Args:
        schedule: items ``dict(action_epoch=e, train_pipeline=..., batch_augments=...,
            loss=...)``; the recipe applies from epoch ``e`` (1-based) on.

    Example::

        custom_hooks = [dict(type='SwitchRecipeHook', schedule=[
            dict(action_epoch=30, train_pipeline=weak_pipeline),
            dict(action_epoch=60, batch_augments=None),
        ])]
    """
    priority = 'NORMAL'

    def __init__(self, schedule: Sequence[Dict[str, Any]]):
        if not isinstance(schedule, (list, tuple)) or not schedule:
            raise ValueError('SwitchRecipeHook: schedule must be a non-empty list of dicts')
        recipes: Dict[int, Dict[str, Any]] = {}
        for index, item in enumerate(schedule):
            if not isinstance(item, dict) or 'action_epoch' not in item:
                raise KeyError(f'SwitchRecipeHook: schedule[{index}] needs "action_epoch"')
            epoch = item['action_epoch']
            if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 1:
                raise ValueError(f'SwitchRecipeHook: schedule[{index}].action_epoch must be an '
                                 f'int >= 1, got {epoch!r}')
            if epoch in recipes:
                raise ValueError(f'SwitchRecipeHook: action_epoch {epoch} appears twice in '
                                 'the schedule')
            recipes[epoch] = _build_recipe(item, index)
        self.schedule: Dict[int, Dict[str, Any]] = dict(sorted(recipes.items()))
        self.switched: List[int] = []

    def before_train(self, runner) -> None:
        """On resume, re-apply (in order) every recipe of an epoch already started."""
        for epoch, recipe in self.schedule.items():
            if epoch <= runner.epoch:
                self._do_switch(runner, recipe, f' (resume recipe of epoch {epoch})')
                self.switched.append(epoch)

    def before_train_epoch(self, runner) -> None:
        """Apply the recipe scheduled for the epoch about to start, if any."""
        epoch = runner.epoch + 1
        if epoch in self.schedule:
            self._do_switch(runner, self.schedule[epoch], f' at epoch {epoch}')
            self.switched.append(epoch)

    def _do_switch(self, runner, recipe: Dict[str, Any], extra_info: str = '') -> None:
        """Apply the parts of ``recipe`` it names, logging each with ``extra_info``."""
        if 'batch_augments' in recipe:
            self._switch_batch_augments(runner, recipe['batch_augments'])
            runner.logger.info(f'Switch batch augments{extra_info}.')
        if 'train_pipeline' in recipe:
            self._switch_train_pipeline(runner, recipe['train_pipeline'])
            runner.logger.info(f'Switch train pipeline{extra_info}.')
        if 'loss' in recipe:
            self._switch_loss(runner, recipe['loss'])
            runner.logger.info(f'Switch loss{extra_info}.')

    @staticmethod
    def _switch_batch_augments(runner, batch_augments) -> None:
        """Set the model's ``data_preprocessor.batch_augments`` (None switches it off); mixing
        augments need one-hot targets, so ``to_onehot`` is turned on with them."""
        preprocessor = getattr(unwrap_model(runner.model), 'data_preprocessor', None)
        if preprocessor is None or not hasattr(preprocessor, 'batch_augments'):
            raise AttributeError('SwitchRecipeHook: the model has no '
                                 'data_preprocessor.batch_augments to switch')
        preprocessor.batch_augments = batch_augments
        if batch_augments is not None and hasattr(preprocessor, 'to_onehot'):
            preprocessor.to_onehot = True

    @staticmethod
    def _switch_train_pipeline(runner, train_pipeline) -> None:
        """Give the train dataset (inside wrappers too) ``train_pipeline``."""
        loader = runner.train_dataloader
        _set_pipeline(loader.dataset, train_pipeline)
        # persistent workers hold copies of the dataset: drop them so the next
        # epoch's iterator starts workers that see the new pipeline
        if getattr(loader, '_iterator', None) is not None:
            loader._iterator = None

    @staticmethod
    def _switch_loss(runner, loss_module) -> None:
        """Replace the model's ``loss_module``, else its ``head.loss_module``."""
        model = unwrap_model(runner.model)
        owner = model if hasattr(model, 'loss_module') else getattr(model, 'head', None)
        if owner is None or not hasattr(owner, 'loss_module'):
            raise AttributeError('SwitchRecipeHook: the model has no `loss_module` (nor '
                                 '`head.loss_module`) to switch')
        owner.loss_module = loss_module
