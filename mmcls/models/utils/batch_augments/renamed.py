"""The batch-augment names of MMClassification 0.x: ``BatchMixup``, ``BatchCutMix`` and
``BatchResizeMix`` build ``Mixup``, ``CutMix`` and ``ResizeMix`` with a deprecation warning.

Their ``num_classes`` argument now belongs to the data preprocessor and their per-augment
``prob`` to ``train_cfg=dict(augments=[...], probs=[...])``; both are accepted and dropped,
and the warning says so.
"""
import warnings
from typing import Optional

from mmcls.registry import BATCH_AUGMENTS

from .cutmix import CutMix
from .mixup import Mixup
from .resizemix import ResizeMix

__all__ = ['RENAMED_BATCH_AUGMENTS']

RENAMED_BATCH_AUGMENTS = {'BatchMixup': Mixup, 'BatchCutMix': CutMix,
                          'BatchResizeMix': ResizeMix}


def _renamed(old_name: str, new_type: type) -> type:

    def __init__(self, *args, num_classes: Optional[int] = None, prob: Optional[float] = None,
                 **kwargs):
        dropped = [name for name, value in (('num_classes', num_classes), ('prob', prob))
                   if value is not None]
        note = (f'; {" and ".join(dropped)} ignored (set num_classes on the data preprocessor '
                f'and probs in train_cfg)' if dropped else '')
        warnings.warn(f'{old_name} is renamed {new_type.__name__} since MMClassification 1.x: '
                      f'use type={new_type.__name__!r}{note}', DeprecationWarning, stacklevel=2)
        new_type.__init__(self, *args, **kwargs)

    return type(old_name, (new_type, ), {'__init__': __init__, '__doc__':
                                         f'Deprecated name of :class:`{new_type.__name__}`.'})


for _old, _new in RENAMED_BATCH_AUGMENTS.items():
    BATCH_AUGMENTS.register_module(name=_old, module=_renamed(_old, _new))
