"""ClassNumCheckHook: check that the dataset classes match the heads' ``num_classes``."""
from __future__ import annotations

from typing import Sequence

from mmcls.registry import HOOKS
from mmcls.core.logging import print_log
from mmcls.core.model_wrappers import unwrap_model

from .hook import Hook

__all__ = ['ClassNumCheckHook']


@HOOKS.register_module()
class ClassNumCheckHook(Hook):
    """Before train/val/test, compare ``len(dataset.metainfo['classes'])`` with every
    submodule that has a positive ``num_classes`` and raise on a mismatch."""

    def _check_head(self, runner, dataset) -> None:
        """Compare ``dataset``'s class names with the ``num_classes`` of ``runner.model``.

        Missing class names only warn (through ``runner.logger`` when there is one);
        class names that are not a sequence of str raise ``TypeError``.
        """
        classes = _classes_of(dataset)
        if classes is None:
            _warn(runner, f'Please set class information in the metainfo of '
                          f'{type(dataset).__name__} and check that it is consistent with '
                          f'the num_classes of the head')
            return
        if isinstance(classes, str):
            raise TypeError(f'classes in {type(dataset).__name__} must be a tuple of str; with '
                            f'one class write classes = ({classes!r},)')
        if not isinstance(classes, Sequence) or not all(isinstance(c, str) for c in classes):
            raise TypeError(f'classes in {type(dataset).__name__} must be a sequence of str, '
                            f'got {type(classes).__name__}')
        model = unwrap_model(runner.model)
        for name, module in model.named_modules():
            num_classes = getattr(module, 'num_classes', None)
            if isinstance(num_classes, int) and num_classes > 0 and num_classes != len(classes):
                raise ValueError(f'The num_classes ({num_classes}) of {type(module).__name__} '
                                 f'({name or type(model).__name__}) does not match the length of '
                                 f'classes ({len(classes)}) in {type(dataset).__name__}')

    def before_train(self, runner) -> None:
        self._check_head(runner, runner.train_loop.dataloader.dataset)

    def before_val(self, runner) -> None:
        self._check_head(runner, runner.val_loop.dataloader.dataset)

    def before_test(self, runner) -> None:
        self._check_head(runner, runner.test_loop.dataloader.dataset)


def _classes_of(dataset):
    """The dataset's class names: ``metainfo['classes']``, else its ``CLASSES``."""
    metainfo = getattr(dataset, 'metainfo', None)
    if isinstance(metainfo, dict) and metainfo.get('classes') is not None:
        return metainfo['classes']
    return getattr(dataset, 'CLASSES', None)


def _warn(runner, message: str) -> None:
    logger = getattr(runner, 'logger', None)
    if logger is not None and hasattr(logger, 'warning'):
        logger.warning(message)
    else:
        print_log(message, logger='current', level=30)
