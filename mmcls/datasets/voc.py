"""Pascal VOC as a multi-label classification dataset, with difficult labels kept apart."""
from __future__ import annotations

import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional, Tuple, Union

from mmcls.registry import DATASETS

from .categories import VOC2007_CATEGORIES
from .io_utils import expand_path, list_from_file
from .multi_label import MultiLabelDataset

__all__ = ['VOC']

# The VOC folder layout under ``data_root`` (read-only: copied before use).
_DEFAULT_PREFIX = {'img_path': 'JPEGImages', 'ann_path': 'Annotations'}


@DATASETS.register_module()
class VOC(MultiLabelDataset):
    """Pascal VOC dataset (``JPEGImages/``, ``Annotations/``, ``ImageSets/`` under ``data_root``).

    ``gt_label`` lists the classes with at least one non-difficult object;
    ``gt_label_difficult`` lists the classes that appear only as difficult
    objects (metrics usually count those as negatives). Without annotations (a test set
    with ``ann_path=None``) both are ``None``, which ``PackClsInputs`` leaves out.

    Args:
        data_root: the VOC folder, e.g. ``data/VOCdevkit/VOC2007``.
        image_set_path: file of image ids (one per line), relative to ``data_root``.
        data_prefix: ``img_path`` and ``ann_path`` folders relative to ``data_root``;
            a str sets ``img_path`` only.  Defaults to (and None means)
            ``dict(img_path='JPEGImages', ann_path='Annotations')``.  ``ann_path``
            may be None in test mode (samples then carry no labels).
        test_mode: test-time dataset.
        metainfo: meta information; ``classes`` defaults to the 20 VOC classes.
        **kwargs: other :class:`BaseDataset` arguments.
    """

    METAINFO = {'classes': VOC2007_CATEGORIES}

    def __init__(self,
                 data_root: str,
                 image_set_path: str,
                 data_prefix: Optional[Union[str, dict]] = _DEFAULT_PREFIX,
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        if data_prefix is None:
            data_prefix = _DEFAULT_PREFIX
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=expand_path(data_prefix))
        elif isinstance(data_prefix, dict):
            data_prefix = dict(data_prefix)  # never alias the shared default
        if not isinstance(data_prefix, dict) or 'img_path' not in data_prefix:
            raise ValueError('VOC data_prefix must be a str or a dict with the key "img_path"')
        if not test_mode and not data_prefix.get('ann_path'):
            raise ValueError('VOC needs data_prefix["ann_path"] (the annotation folder) when '
                             'test_mode is False')
        self.image_set_path = osp.join(expand_path(data_root), expand_path(image_set_path))
        super().__init__(ann_file='', metainfo=metainfo, data_root=data_root,
                         data_prefix=data_prefix, test_mode=test_mode, **kwargs)

    @property
    def ann_prefix(self) -> Optional[str]:
        """Folder of the xml annotations, or None."""
        return self.data_prefix.get('ann_path')

    def _labels_from_xml(self, img_id: str) -> Tuple[List[int], List[int]]:
        path = osp.join(self.ann_prefix, f'{img_id}.xml')
        if not osp.isfile(path):
            raise FileNotFoundError(f'VOC annotation {path!r} of image id {img_id!r} '
                                    f'(listed in {self.image_set_path!r}) does not exist')
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            raise ValueError(f'VOC annotation {path!r} is not valid xml: {error}') from error
        class_to_idx = self.class_to_idx
        labels, difficult = set(), set()
        for obj in root.findall('object'):
            name = (obj.findtext('name') or '').strip()
            if name not in class_to_idx:  # a class outside the chosen class list
                continue
            is_difficult = int((obj.findtext('difficult') or '0').strip() or 0)
            (difficult if is_difficult else labels).add(class_to_idx[name])
        return sorted(labels), sorted(difficult - labels)

    def load_data_list(self) -> List[dict]:
        """One data info per image id of the image set."""
        data_list = []
        for img_id in list_from_file(self.image_set_path, 'VOC image set file'):
            labels, difficult = self._labels_from_xml(img_id) if self.ann_prefix else (None, None)
            data_list.append(dict(img_path=osp.join(self.img_prefix, f'{img_id}.jpg'),
                                  gt_label=labels, gt_label_difficult=difficult))
        return data_list

    def extra_repr(self) -> List[str]:
        return [f'Prefix of dataset: \t{self.data_root}',
                f'Path of image set: \t{self.image_set_path}',
                f'Prefix of images: \t{self.img_prefix}',
                f'Prefix of annotations: \t{self.ann_prefix}']
