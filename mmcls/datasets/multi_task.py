"""``MultiTaskDataset``: images with one label per task, from an OpenMMLab 2.0 annotation file.

The annotation file (json, yaml or pickle) holds ``metainfo`` (at least ``tasks``, the task
names) and ``data_list``, whose items are ``{"img_path": "a.jpg", "gt_label": {"gender": 0,
"wear": [1, 0, 1, 0]}}``.  ``PackMultiTaskInputs`` then packs one ``ClsDataSample`` per task.
"""
from __future__ import annotations

import copy
import os.path as osp
from os.path import expanduser
from typing import Any, List, Optional, Sequence

from mmcls.registry import DATASETS

from .io_utils import load_annotation_file

__all__ = ['MultiTaskDataset', 'isabs']


def isabs(uri: str) -> bool:
    """Whether ``uri`` is an absolute path or a URI (``scheme://...``); such paths are not
    joined with ``data_root``/``data_prefix``."""
    return osp.isabs(uri) or '://' in uri


@DATASETS.register_module()
class MultiTaskDataset:
    """Multi-task classification dataset.

    Args:
        ann_file: the annotation file, absolute or relative to ``data_root``.
        metainfo: entries that override or extend the file's ``metainfo``.
        data_root: the folder ``ann_file`` and ``data_prefix`` are relative to.
        data_prefix: the folder the items' ``img_path`` are relative to (relative to
            ``data_root``; ``data_root`` itself by default).
        pipeline: the transforms each sample goes through.
        test_mode: evaluation mode (kept for the dataset interface).
        file_client_args: accepted for configs of MMClassification 1.x; files are read from
            the local file system.
    """

    METAINFO: dict = dict()

    def __init__(self,
                 ann_file: str,
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 data_prefix: Optional[str] = None,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 file_client_args: Optional[dict] = None):
        from .transforms import Compose
        self.data_root = expanduser(data_root) if data_root is not None else None
        self.ann_file = self._join_root(expanduser(ann_file))
        self.data_prefix = self._join_root(data_prefix)
        self.test_mode = test_mode
        self.pipeline = Compose(list(pipeline))
        self.data_list = self.load_data_list(self.ann_file, metainfo)

    def _join_root(self, path: Optional[str]) -> Optional[str]:
        if path is None:
            return self.data_root
        if self.data_root is None or isabs(path):
            return path
        return osp.join(self.data_root, path)

    def load_data_list(self, ann_file: str, metainfo_override: Optional[dict] = None) -> List[dict]:
        """Read and check the annotation file; set :attr:`metainfo`."""
        annotations = load_annotation_file(ann_file)
        if not isinstance(annotations, dict) or 'data_list' not in annotations:
            raise ValueError(f'{ann_file}: a multi-task annotation file must be a dict with a '
                             f'"data_list" field')
        metainfo = annotations.get('metainfo', {})
        if not isinstance(metainfo, dict):
            raise TypeError(f'{ann_file}: "metainfo" must be a dict, got '
                            f'{type(metainfo).__name__}')
        if metainfo_override is not None:
            if not isinstance(metainfo_override, dict):
                raise TypeError(f'MultiTaskDataset: metainfo must be a dict, got '
                                f'{type(metainfo_override).__name__}')
            metainfo = {**metainfo, **metainfo_override}
        self._metainfo = {**copy.deepcopy(self.METAINFO), **metainfo}
        return [self.parse_data_info(item, ann_file, index)
                for index, item in enumerate(annotations['data_list'])]

    def parse_data_info(self, raw_data: Any, ann_file: str = '', index: int = 0) -> dict:
        """``{'img_path': <data_prefix>/<img_path>, 'gt_label': {task: label}}`` of one item."""
        if not isinstance(raw_data, dict) or 'img_path' not in raw_data:
            raise ValueError(f'{ann_file}: data_list[{index}] must be a dict with "img_path", '
                             f'got {raw_data!r}')
        if not isinstance(raw_data.get('gt_label'), dict):
            raise ValueError(f'{ann_file}: data_list[{index}]["gt_label"] must map task names '
                             f'to labels, got {raw_data.get("gt_label")!r}')
        img_path = raw_data['img_path']
        if self.data_prefix is not None and not isabs(img_path):
            img_path = osp.join(self.data_prefix, img_path)
        return dict(img_path=img_path, gt_label=raw_data['gt_label'])

    @property
    def metainfo(self) -> dict:
        """The meta information: ``METAINFO``, the file's and the ``metainfo`` argument's."""
        return copy.deepcopy(self._metainfo)

    def get_data_info(self, idx: int) -> dict:
        return copy.deepcopy(self.data_list[idx])

    def prepare_data(self, idx: int) -> Any:
        """The ``idx``-th item after the pipeline."""
        return self.pipeline(self.get_data_info(idx))

    def __len__(self) -> int:
        return len(self.data_list)

    def __getitem__(self, idx: int) -> Any:
        return self.prepare_data(idx)

    def __repr__(self) -> str:
        """Size, locations, the task names (one per line) and the transforms."""
        body = [f'Number of samples: \t{len(self)}']
        if self.data_root is not None:
            body.append(f'Root location: \t{self.data_root}')
        body.append(f'Annotation file: \t{self.ann_file}')
        if self.data_prefix is not None:
            body.append(f'Prefix of images: \t{self.data_prefix}')
        tasks = self._metainfo.get('tasks', [])
        body.append(f'For {len(tasks)} tasks')
        body.extend(f' {task} ' for task in tasks)
        transforms = list(self.pipeline.transforms)
        if transforms:
            body.append('With transforms:')
            body.extend(f'    {transform}' for transform in transforms)
        return '\n'.join([f'Dataset {type(self).__name__}'] + ['    ' + line for line in body])
