"""``BaseDataset``: the OpenMMLab 2.0 dataset base class with the mmcls additions.

A dataset turns an annotation source into a list of *data infos* (dicts with
``img_path`` or ``img``, ``gt_label``, ...) and feeds each one through its
``pipeline``.  Subclasses override :meth:`BaseDataset.load_data_list`.

Life cycle: ``__init__`` resolves paths and meta information; ``full_init``
(run at construction unless ``lazy_init=True``) loads, filters, subsets and,
with ``serialize_data=True``, packs the data list into a
:class:`~mmcls.datasets.serialized_list.SerializedList`.
"""
from __future__ import annotations

import copy
import os.path as osp
import warnings
from itertools import islice
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np

from mmcls.registry import DATASETS

from .io_utils import expand_path, join_path, list_from_file, load_annotation_file
from .serialized_list import SerializedList

__all__ = ['BaseDataset', 'expanduser']

# ``~`` expansion of str/path-like paths (anything else passes through), under rc6's name.
expanduser = expand_path


def _build_pipeline(pipeline: Any) -> Callable:
    """Compose ``pipeline`` with the transforms package's ``Compose``.

    The import is lazy so that datasets used with plain callables (or no
    transforms at all) work without the transforms package.
    """
    try:
        from mmcls.datasets.transforms import Compose
    except ImportError as error:
        items = list(pipeline or [])
        if any(not callable(item) for item in items):
            raise ImportError('pipeline entries given as dicts need mmcls.datasets.transforms, '
                              f'which could not be imported: {error}') from error
        return _CallableChain(items)
    return Compose(pipeline or [])


class _CallableChain:
    """Apply callables in order, stopping at ``None``; used only without the transforms package."""

    def __init__(self, transforms: List[Callable]):
        self.transforms = transforms

    def __call__(self, data: Any) -> Any:
        for transform in self.transforms:
            data = transform(data)
            if data is None:
                return None
        return data

    def __repr__(self) -> str:
        return f'{type(self).__name__}({self.transforms!r})'


class ClassesTypeError(TypeError, ValueError):
    """``classes`` of an unsupported type.

    Both a ``TypeError`` (the kind of mistake) and a ``ValueError`` (what
    MMClassification 1.x raises here), so either ``except`` clause catches it.
    """


def _class_names(classes: Union[str, Sequence[str]], argument: str) -> tuple:
    """Class names given as a sequence or as a file of one name per line."""
    if isinstance(classes, str):
        return tuple(list_from_file(classes, 'classes file'))
    if isinstance(classes, (list, tuple)):
        return tuple(classes)
    raise ClassesTypeError(f'{argument} must be a file path or a sequence of names, '
                           f'got type {type(classes)}')


@DATASETS.register_module()
class BaseDataset:
    """Base dataset for image classification, reading OpenMMLab 2.0 annotation files.

    Args:
        ann_file: annotation file (json/yaml/pkl with ``metainfo`` and ``data_list``),
            relative to ``data_root`` unless absolute.
        metainfo: meta information, e.g. ``dict(classes=(...))``; overrides the
            annotation file's and the class attribute ``METAINFO``.
        data_root: common root of ``ann_file`` and ``data_prefix``.
        data_prefix: prefix of the image paths, a str (``img_path``) or a dict
            mapping data-info keys to prefixes.
        filter_cfg: settings for :meth:`filter_data` of subclasses.
        indices: keep only the first ``n`` samples (int; a negative int keeps the
            last ``-n``) or the samples at these indices (sequence).
        serialize_data: pack the data list into one numpy buffer shared by workers.
        pipeline: transforms (dicts or callables) applied in ``__getitem__``.
        test_mode: test-time dataset: a failing sample raises instead of being replaced.
        lazy_init: skip loading annotations until first needed.
        max_refetch: how many other samples to try when one fails in training.
        classes: class names: a sequence, or a file with one name per line (``~`` expanded).
            A ``metainfo`` that names its own ``classes`` takes precedence, as in
            MMClassification 1.x (with a warning when the two differ).
    """

    METAINFO: dict = dict()

    def __init__(self,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 classes: Optional[Union[str, Sequence[str]]] = None):
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=expand_path(data_prefix))
        elif not isinstance(data_prefix, dict):
            raise TypeError(f'data_prefix must be a str or a dict, got {type(data_prefix).__name__}')
        if max_refetch < 0:
            raise ValueError(f'max_refetch must be >= 0, got {max_refetch}')
        self.ann_file = expand_path(ann_file or '')
        self.data_root = expand_path(data_root or '')
        self.data_prefix = {key: expand_path(value) for key, value in data_prefix.items()}
        self.filter_cfg = copy.deepcopy(filter_cfg)
        self._indices = indices
        self.serialize_data = serialize_data
        self.test_mode = test_mode
        self.max_refetch = max_refetch
        self.data_list: List[dict] = []
        self._store: Optional[SerializedList] = None
        self._fully_initialized = False

        self._metainfo = self._load_metainfo(self._merge_classes(metainfo, classes))
        self._join_prefix()
        self.pipeline = _build_pipeline(pipeline)
        if not lazy_init:
            self.full_init()

    # -- meta information ------------------------------------------------
    @staticmethod
    def _merge_classes(metainfo: Optional[dict], classes) -> dict:
        """``metainfo`` with the ``classes`` argument as its ``classes`` unless it names its own
        (not None); the argument is then ignored, with a warning when the names differ."""
        metainfo = dict(metainfo or {})
        if classes is None:
            return metainfo
        names = _class_names(classes, 'classes')
        if metainfo.get('classes') is None:
            metainfo['classes'] = names
            return metainfo
        given = _class_names(metainfo['classes'], 'metainfo["classes"]')
        if given != names:
            warnings.warn(f'classes {names[:5]}... is ignored: metainfo["classes"] '
                          f'{given[:5]}... takes precedence')
        return metainfo

    @classmethod
    def _load_metainfo(cls, metainfo: dict) -> dict:
        """The class ``METAINFO`` updated with ``metainfo``; a str ``classes`` is a file path."""
        merged = copy.deepcopy(cls.METAINFO)
        if not isinstance(metainfo, dict):
            raise TypeError(f'metainfo must be a dict, got {type(metainfo).__name__}')
        for key, value in metainfo.items():
            if key == 'classes' and isinstance(value, str):
                value = list_from_file(value, 'classes file')
            merged[key] = copy.deepcopy(value)
        if merged.get('classes') is not None:
            merged['classes'] = tuple(merged['classes'])
        return merged

    @property
    def metainfo(self) -> dict:
        """A copy of the meta information (``classes`` is a tuple of str)."""
        return copy.deepcopy(self._metainfo)

    @property
    def CLASSES(self) -> Optional[tuple]:
        """The class names, or None when unknown."""
        return self._metainfo.get('classes', None)

    @property
    def class_to_idx(self) -> Dict[str, int]:
        """Map each class name to its label."""
        if self.CLASSES is None:
            raise ValueError(f'{type(self).__name__} has no class names (metainfo "classes")')
        return {name: index for index, name in enumerate(self.CLASSES)}

    @property
    def img_prefix(self) -> Optional[str]:
        """The prefix joined to each image path."""
        return self.data_prefix.get('img_path')

    def _join_prefix(self) -> None:
        """Resolve ``ann_file`` and the ``data_prefix`` values against ``data_root``."""
        if self.ann_file and not osp.isabs(self.ann_file) and self.data_root:
            self.ann_file = osp.join(self.data_root, self.ann_file)
        for key, prefix in self.data_prefix.items():
            if isinstance(prefix, str) and not osp.isabs(prefix) and self.data_root:
                self.data_prefix[key] = osp.join(self.data_root, prefix)

    # -- loading ---------------------------------------------------------
    def full_init(self) -> None:
        """Load, filter, subset and (optionally) serialize the data list; runs once."""
        if self._fully_initialized:
            return
        items: Iterable[dict] = self.filter_data(self.load_data_list())
        if isinstance(self._indices, int) and self._indices >= 0:
            items = islice(items, self._indices)
        if self.serialize_data:
            self._store = SerializedList(items)
            self.data_list = []
        else:
            self.data_list = list(items)
        if self._indices is not None and not (isinstance(self._indices, int) and self._indices >= 0):
            self._apply_subset(self._indices)
        self._standardize_categories()
        self._fully_initialized = True

    def _standardize_categories(self) -> None:
        """Derive ``classes`` from an OpenMMLab 2.0 ``categories`` list when only that is given."""
        categories = self._metainfo.get('categories')
        if categories and self._metainfo.get('classes') is None:
            ordered = sorted(categories, key=lambda category: category['id'])
            self._metainfo['classes'] = tuple(c['category_name'] for c in ordered)

    def load_data_list(self) -> Iterable[dict]:
        """Data infos from the annotation file; subclasses override this.

        May return a list or any iterable of dicts (a generator keeps peak
        memory low for very large annotation files).
        """
        if not self.ann_file:
            raise ValueError(f'{type(self).__name__} needs an ann_file')
        annotations = load_annotation_file(self.ann_file)
        if not isinstance(annotations, dict) or 'data_list' not in annotations \
                or 'metainfo' not in annotations:
            raise ValueError(f'annotation file {self.ann_file!r} must hold a dict with the keys '
                             '"metainfo" and "data_list" (OpenMMLab 2.0 format)')
        file_meta = annotations['metainfo'] or {}
        if not isinstance(file_meta, dict) or not isinstance(annotations['data_list'], list):
            raise ValueError(f'in {self.ann_file!r}, "metainfo" must be a dict and "data_list" '
                             'a list')
        for key, value in file_meta.items():
            if key not in self._metainfo or self._metainfo[key] is None:
                self._metainfo[key] = tuple(value) if key == 'classes' else value
        data_list = []
        for position, raw in enumerate(annotations['data_list']):
            if not isinstance(raw, dict):
                raise ValueError(f'{self.ann_file!r}: data_list[{position}] must be a dict, '
                                 f'got {type(raw).__name__}')
            parsed = self.parse_data_info(raw)
            data_list.extend(parsed if isinstance(parsed, list) else [parsed])
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        """Join the prefixes onto one raw info; ``img_label`` is read as ``gt_label``."""
        info = dict(raw_data_info)
        if 'img_label' in info and 'gt_label' not in info:
            info['gt_label'] = info.pop('img_label')
        for key, prefix in self.data_prefix.items():
            if key in info and isinstance(info[key], str):
                info[key] = join_path(prefix, info[key])
        return info

    def filter_data(self, data_list: Iterable[dict]) -> Iterable[dict]:
        """Drop unwanted data infos (uses ``self.filter_cfg``); keeps all by default."""
        return data_list

    # -- subsets ---------------------------------------------------------
    def _resolve_indices(self, indices: Union[int, Sequence[int]], size: int) -> List[int]:
        if isinstance(indices, int):
            return list(range(size))[:indices] if indices >= 0 else list(range(size))[indices:]
        resolved = [int(i) for i in indices]
        for i in resolved:
            if not -size <= i < size:
                raise IndexError(f'subset index {i} is out of range for {size} samples')
        return [i % size for i in resolved]

    def _apply_subset(self, indices: Union[int, Sequence[int]]) -> None:
        size = len(self._store) if self._store is not None else len(self.data_list)
        chosen = self._resolve_indices(indices, size)
        if self._store is not None:
            self._store = self._store.subset(chosen)
        else:
            self.data_list = [self.data_list[i] for i in chosen]

    def get_subset_(self, indices: Union[int, Sequence[int]]) -> None:
        """Keep only ``indices`` (see the ``indices`` argument), in place."""
        self.full_init()
        self._apply_subset(indices)

    def get_subset(self, indices: Union[int, Sequence[int]]) -> 'BaseDataset':
        """A copy of this dataset holding only ``indices``; this one is unchanged."""
        self.full_init()
        subset = copy.copy(self)
        subset._metainfo = copy.deepcopy(self._metainfo)
        subset.data_list = list(self.data_list)
        subset._apply_subset(indices)
        return subset

    # -- access ----------------------------------------------------------
    def __len__(self) -> int:
        self.full_init()
        return len(self._store) if self._store is not None else len(self.data_list)

    def get_data_info(self, idx: int) -> dict:
        """A fresh copy of the data info at ``idx``, with ``sample_idx`` set."""
        self.full_init()
        size = len(self)
        if not -size <= idx < size:
            raise IndexError(f'index {idx} is out of range for {type(self).__name__} with '
                             f'{size} samples')
        if self._store is not None:
            info = self._store[idx]
        else:
            info = copy.deepcopy(self.data_list[idx])
        info['sample_idx'] = idx if idx >= 0 else size + idx
        return info

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on the data info at ``idx``."""
        return self.pipeline(self.get_data_info(idx))

    def __getitem__(self, idx: int) -> Any:
        """The pipeline's output for ``idx``.

        In training a sample whose pipeline returns None or raises is reported
        with a warning naming its file and replaced by a random other sample,
        at most ``max_refetch`` times.  In test mode it raises at once.
        """
        self.full_init()
        for _ in range(self.max_refetch + 1):
            try:
                data = self.prepare_data(idx)
                error = None
            except Exception as exc:  # a broken file must not stop training
                data, error = None, exc
            if data is not None:
                return data
            reason = f'{type(error).__name__}: {error}' if error else 'the pipeline returned None'
            where = self._describe(idx)
            if self.test_mode:
                raise RuntimeError(f'{type(self).__name__}: sample {idx} ({where}) failed in test '
                                   f'mode: {reason}') from error
            warnings.warn(f'{type(self).__name__}: skipping sample {idx} ({where}): {reason}; '
                          'loading a random other sample instead', stacklevel=2)
            idx = self._rand_another()
        raise RuntimeError(f'{type(self).__name__}: no valid sample found after {self.max_refetch} '
                           f'refetches; last failure: {where}: {reason}') from error

    def _describe(self, idx: int) -> str:
        try:
            info = self.get_data_info(idx)
        except Exception:
            return 'data info unreadable'
        return f"file {info['img_path']}" if 'img_path' in info else 'in-memory image'

    def _rand_another(self) -> int:
        return int(np.random.randint(0, len(self)))

    # -- labels ----------------------------------------------------------
    def get_gt_labels(self) -> np.ndarray:
        """The ``gt_label`` of every sample, in order."""
        return np.array([self.get_data_info(i)['gt_label'] for i in range(len(self))])

    def get_cat_ids(self, idx: int) -> List[int]:
        """The category ids of sample ``idx`` (a one-element list for single-label data)."""
        return [int(self.get_data_info(idx)['gt_label'])]

    # -- printing --------------------------------------------------------
    def extra_repr(self) -> List[str]:
        """Dataset-specific lines of ``repr``."""
        return [f'Annotation file: \t{self.ann_file}', f'Prefix of images: \t{self.img_prefix}']

    def __repr__(self) -> str:
        body = []
        if self._fully_initialized:
            body.append(f'Number of samples: \t{len(self)}')
        else:
            body.append("Haven't been initialized")
        if self.CLASSES is not None:
            body.append(f'Number of categories: \t{len(self.CLASSES)}')
        else:
            body.append('The `CLASSES` meta info is not set.')
        body.extend(self.extra_repr())
        transforms = list(getattr(self.pipeline, 'transforms', []))
        if transforms:
            body.append('With transforms:')
            body.extend(f'    {transform}' for transform in transforms)
        return '\n'.join([f'Dataset {type(self).__name__}'] + [' ' * 4 + line for line in body])
