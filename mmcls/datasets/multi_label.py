"""``MultiLabelDataset``: OpenMMLab 2.0 annotations whose ``gt_label`` is a list of classes."""
from __future__ import annotations

from typing import List

import numpy as np

from mmcls.registry import DATASETS

from .base_dataset import BaseDataset

__all__ = ['MultiLabelDataset']


@DATASETS.register_module()
class MultiLabelDataset(BaseDataset):
    """Multi-label dataset; each data info's ``gt_label`` (``img_label`` in the file) is a list.

    Arguments are those of :class:`BaseDataset`.
    """

    def get_cat_ids(self, idx: int) -> List[int]:
        """The category ids present in sample ``idx``."""
        return [int(label) for label in self.get_data_info(idx)['gt_label']]

    def get_gt_labels(self) -> List[np.ndarray]:
        """The label indices of every sample, one int64 array each (their lengths differ)."""
        return [np.asarray(self.get_data_info(i)['gt_label'], dtype=np.int64)
                for i in range(len(self))]
