"""CUB-200-2011 birds: 200 classes, 5994 training and 5794 test images."""
from __future__ import annotations

import os.path as osp
from typing import Dict, List

from mmcls.registry import DATASETS

from .base_dataset import BaseDataset
from .categories import CUB_CATEGORIES
from .io_utils import iter_lines

__all__ = ['CUB']


@DATASETS.register_module()
class CUB(BaseDataset):
    """The CUB-200-2011 dataset.

    ``train_test_split.txt`` marks training images with ``1`` and test images
    with ``0``; ``test_mode=False`` gives the 5994 training images and
    ``test_mode=True`` the 5794 test images.  Labels in
    ``image_class_labels.txt`` are 1-based and become 0-based ``gt_label``.

    Args:
        data_root: the ``CUB_200_2011`` folder.
        test_mode: True for the test split, False for the training split.
        ann_file: ``<id> <relative image path>`` lines, relative to ``data_root``.
        data_prefix: image folder relative to ``data_root``.
        image_class_labels_file: ``<id> <class id>`` lines, relative to ``data_root``.
        train_test_split_file: ``<id> <1|0>`` lines, relative to ``data_root``.
        **kwargs: other :class:`BaseDataset` arguments.
    """

    METAINFO = {'classes': CUB_CATEGORIES}

    def __init__(self,
                 data_root: str,
                 test_mode: bool,
                 ann_file: str = 'images.txt',
                 data_prefix: str = 'images',
                 image_class_labels_file: str = 'image_class_labels.txt',
                 train_test_split_file: str = 'train_test_split.txt',
                 **kwargs):
        self.image_class_labels_file = osp.join(data_root, image_class_labels_file)
        self.train_test_split_file = osp.join(data_root, train_test_split_file)
        super().__init__(ann_file=ann_file, data_root=data_root, data_prefix=data_prefix,
                         test_mode=test_mode, **kwargs)

    @staticmethod
    def _read_pairs(path: str) -> Dict[str, str]:
        """``{id: value}`` from ``<id> <value>`` lines (the value may contain spaces)."""
        pairs = {}
        for number, line in iter_lines(path, 'CUB annotation file'):
            parts = line.split(maxsplit=1)
            if len(parts) != 2:
                raise ValueError(f'{path}:{number}: expected "<id> <value>", got {line!r}')
            pairs[parts[0]] = parts[1]
        return pairs

    def load_data_list(self) -> List[dict]:
        """Data infos of the split chosen by ``test_mode``."""
        samples = self._read_pairs(self.ann_file)
        labels = self._read_pairs(self.image_class_labels_file)
        splits = self._read_pairs(self.train_test_split_file)
        if not samples.keys() == labels.keys() == splits.keys():
            raise ValueError(f'the image ids of {self.ann_file!r}, '
                             f'{self.image_class_labels_file!r} and '
                             f'{self.train_test_split_file!r} differ')
        wanted = '0' if self.test_mode else '1'
        data_list = []
        for sample_id, path in samples.items():
            if splits[sample_id] not in ('0', '1'):
                raise ValueError(f'{self.train_test_split_file}: image {sample_id} has split '
                                 f'{splits[sample_id]!r}, expected 1 (train) or 0 (test)')
            if splits[sample_id] == wanted:
                data_list.append(dict(img_path=osp.join(self.img_prefix, path),
                                      gt_label=int(labels[sample_id]) - 1))
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Root of dataset: \t{self.data_root}']
