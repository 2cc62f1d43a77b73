"""ImageNet-1k and ImageNet-21k: ``CustomDataset`` layouts with ImageNet defaults."""
from __future__ import annotations

import warnings
from typing import Optional, Union

from mmcls.registry import DATASETS

from .categories import IMAGENET_CATEGORIES
from .custom import IMG_EXTENSIONS, CustomDataset

__all__ = ['ImageNet', 'ImageNet21k']


@DATASETS.register_module()
class ImageNet(CustomDataset):
    """ImageNet (ILSVRC 2012) with its 1000 class names; both ``CustomDataset`` layouts."""

    METAINFO = {'classes': IMAGENET_CATEGORIES}
    # Image suffixes of the folder layout unless ``extensions`` is given.
    IMG_EXTENSIONS = IMG_EXTENSIONS

    def __init__(self,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 **kwargs):
        kwargs.setdefault('extensions', self.IMG_EXTENSIONS)
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)


@DATASETS.register_module()
class ImageNet21k(CustomDataset):
    """ImageNet-21k; it ships no class list, give one with ``classes`` (or use folder names).

    ``multi_label=True`` is not supported (the reference leaves it unimplemented too).
    """

    # Image suffixes of the folder layout unless ``extensions`` is given.
    IMG_EXTENSIONS = IMG_EXTENSIONS

    def __init__(self,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 multi_label: bool = False,
                 **kwargs):
        if multi_label:
            raise ValueError('ImageNet21k does not support multi_label=True; use '
                             'multi_label=False')
        if not ann_file:
            warnings.warn('ImageNet21k is large and scanning its folders may take a long '
                          'time; specify the `ann_file` to accelerate loading')
        self.multi_label = multi_label
        kwargs.setdefault('extensions', self.IMG_EXTENSIONS)
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)
        if self.CLASSES is None:
            warnings.warn('ImageNet21k has no class names; pass classes=<file or list> to name '
                          'its 21k+ categories')
