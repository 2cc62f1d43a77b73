"""ClassNumCheckHook: check that the dataset classes match the heads' ``num_classes``."""
from __future__ import annotations

from mmcls.registry import HOOKS
from mmcls.core.logging import print_log
from mmcls.core.model_wrappers import unwrap_model

from .hook import Hook

__all__ = ['ClassNumCheckHook']


@HOOKS.register_module()
class ClassNumCheckHook(Hook):
    """Before train/val/test, compare ``len(dataset.metainfo['classes'])`` with every
    submodule that has a positive ``num_classes`` and raise on a mismatch."""

    def _check_head(self, runner, mode: str) -> None:
        loop = {'train': runner.train_loop, 'val': runner.val_loop,
                'test': runner.test_loop}[mode]
        dataset = loop.dataloader.dataset
        metainfo = getattr(dataset, 'metainfo', None) or {}
        classes = metainfo.get('classes')
        if classes is None:
            print_log(f'Please set class information in the metainfo of {type(dataset).__name__} '
                      f'and check that it is consistent with the num_classes of the head',
                      logger='current', level=30)
            return
        if isinstance(classes, str):
            raise TypeError(f'classes in {type(dataset).__name__} must be a tuple of str; with '
                            f'one class write classes = ({classes!r},)')
        model = unwrap_model(runner.model)
        for name, module in model.named_modules():
            num_classes = getattr(module, 'num_classes', None)
            if isinstance(num_classes, int) and num_classes > 0 and num_classes != len(classes):
                raise ValueError(f'The num_classes ({num_classes}) of {type(module).__name__} '
                                 f'({name or type(model).__name__}) does not match the length of '
                                 f'classes ({len(classes)}) in {type(dataset).__name__}')

    def before_train(self, runner) -> None:
        self._check_head(runner, 'train')

    def before_val(self, runner) -> None:
        self._check_head(runner, 'val')

    def before_test(self, runner) -> None:
        self._check_head(runner, 'test')
