"""Dataset wrappers: concatenate, repeat, class-balance and K-fold split other datasets.

They accept datasets or dataset configs, keep the wrapped dataset's
``metainfo``, and map their own index to the wrapped dataset's index.
"""
from __future__ import annotations

import bisect
import copy
import math
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from mmcls.registry import DATASETS

from .base_dataset import BaseDataset

__all__ = ['ConcatDataset', 'RepeatDataset', 'ClassBalancedDataset', 'KFoldDataset']


def _build(dataset: Union[Any, dict], wrapper: str) -> Any:
    """A dataset object from a dataset or a config dict."""
    if isinstance(dataset, dict):
        return DATASETS.build(dataset)
    if hasattr(dataset, '__getitem__') and hasattr(dataset, '__len__'):
        return dataset
    raise TypeError(f'{wrapper} expects a dataset or a dataset config dict, '
                    f'got {type(dataset).__name__}')


def _check_index(idx: int, size: int, name: str) -> int:
    if not -size <= idx < size:
        raise IndexError(f'index {idx} is out of range for {name} with {size} samples')
    return idx + size if idx < 0 else idx


class _Wrapper:
    """Shared plumbing: lazy init, metainfo and delegation through ``_get_ori_dataset_idx``.

    Subclasses set ``dataset`` (or override ``_wrapped``) and their own arguments,
    then call :meth:`_finish_init`; :meth:`full_init` initialises the wrapped
    datasets once and calls ``_build_index`` to compute the wrapper's own index.
    """

    dataset: Any
    _fully_initialized: bool = False

    def _finish_init(self, lazy_init: bool) -> None:
        """Take the wrapped dataset's metainfo, then initialise unless ``lazy_init``."""
        self._metainfo = copy.deepcopy(getattr(self.dataset, 'metainfo', {}))
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _wrapped(self) -> List[Any]:
        """The datasets this wrapper reads from."""
        return [self.dataset]

    def full_init(self) -> None:
        """Initialise the wrapped datasets and build this wrapper's index (once)."""
        if self._fully_initialized:
            return
        for dataset in self._wrapped():
            if hasattr(dataset, 'full_init'):
                dataset.full_init()
        self._build_index()
        self._fully_initialized = True

    def _build_index(self) -> None:
        """Compute what ``_get_ori_dataset_idx`` needs (the wrapped datasets are initialised)."""
        raise TypeError(f'{type(self).__name__} does not build an index')

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    @property
    def CLASSES(self) -> Optional[tuple]:
        return self._metainfo.get('classes')

    @property
    def class_to_idx(self) -> Dict[str, int]:
        """Map each class name to its label."""
        if self.CLASSES is None:
            raise ValueError(f'the dataset of {type(self).__name__} has no class names '
                             f'(metainfo "classes")')
        return {name: index for index, name in enumerate(self.CLASSES)}

    def _ensure_init(self) -> None:
        if not self._fully_initialized:
            self.full_init()

    def _get_ori_dataset_idx(self, idx: int):
        raise TypeError(f'{type(self).__name__} does not map indices')

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's data info for ``idx``."""
        self._ensure_init()
        dataset, ori_idx = self._locate(idx)
        return dataset.get_data_info(ori_idx)

    def __getitem__(self, idx: int) -> Any:
        self._ensure_init()
        dataset, ori_idx = self._locate(idx)
        return dataset[ori_idx]

    def get_gt_labels(self) -> np.ndarray:
        """The ``gt_label`` of every sample of this wrapper, in its order."""
        return np.array([self.get_data_info(i)['gt_label'] for i in range(len(self))])

    def get_cat_ids(self, idx: int) -> List[int]:
        """The wrapped dataset's category ids for ``idx``."""
        self._ensure_init()
        dataset, ori_idx = self._locate(idx)
        return dataset.get_cat_ids(ori_idx)

    def _locate(self, idx: int):
        return self.dataset, self._get_ori_dataset_idx(idx)

    def __repr__(self) -> str:
        inner = '\n'.join('    ' + line for line in repr(self.dataset).splitlines())
        return f'{type(self).__name__}(\n{inner}\n)'


@DATASETS.register_module()
class ConcatDataset(_Wrapper):
    """Concatenation of datasets whose metainfo agree (except ``ignore_keys``).

    Args:
        datasets: datasets or dataset configs.
        lazy_init: defer ``full_init`` of the wrapped datasets.
        ignore_keys: metainfo keys allowed to differ.
    """

    def __init__(self, datasets: Sequence[Union[Any, dict]], lazy_init: bool = False,
                 ignore_keys: Optional[Union[str, Sequence[str]]] = None):
        if not datasets:
            raise ValueError('ConcatDataset needs at least one dataset')
        self.datasets = [_build(d, 'ConcatDataset') for d in datasets]
        ignore = [ignore_keys] if isinstance(ignore_keys, str) else list(ignore_keys or [])
        reference = getattr(self.datasets[0], 'metainfo', {})
        for position, dataset in enumerate(self.datasets[1:], start=1):
            other = getattr(dataset, 'metainfo', {})
            for key, value in reference.items():
                if key not in ignore and other.get(key) != value:
                    raise ValueError(f'ConcatDataset: metainfo[{key!r}] of dataset {position} '
                                     'differs from that of dataset 0; pass '
                                     f'ignore_keys=[{key!r}] if that is intended')
        self._finish_init(lazy_init)

    @property
    def dataset(self):
        return self.datasets[0]

    def _wrapped(self) -> List[Any]:
        return self.datasets

    def _build_index(self) -> None:
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        self._ensure_init()
        return self.cumulative_sizes[-1]

    def _get_ori_dataset_idx(self, idx: int):
        idx = _check_index(idx, len(self), 'ConcatDataset')
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return which, idx - start

    def _locate(self, idx: int):
        which, ori_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[which], ori_idx

    def __repr__(self) -> str:
        inner = '\n'.join('    ' + line for d in self.datasets for line in repr(d).splitlines())
        return f'ConcatDataset(\n{inner}\n)'


@DATASETS.register_module()
class RepeatDataset(_Wrapper):
    """The wrapped dataset repeated ``times`` times (cheap epochs over small data)."""

    def __init__(self, dataset: Union[Any, dict], times: int, lazy_init: bool = False):
        if not isinstance(times, int) or times < 1:
            raise ValueError(f'RepeatDataset times must be a positive int, got {times!r}')
        self.dataset = _build(dataset, 'RepeatDataset')
        self.times = times
        self._finish_init(lazy_init)

    def _build_index(self) -> None:
        self._ori_len = len(self.dataset)

    def __len__(self) -> int:
        self._ensure_init()
        return self.times * self._ori_len

    def _get_ori_dataset_idx(self, idx: int) -> int:
        return _check_index(idx, len(self), 'RepeatDataset') % self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset(_Wrapper):
    """Repeat samples of rare classes (LVIS repeat-factor sampling).

    A class seen in a fraction ``f`` of the samples gets the factor
    ``r(c) = max(1, sqrt(oversample_thr / f))``; a sample is repeated
    ``ceil(max r(c))`` times over its classes (once when it has none).
    """

    def __init__(self, dataset: Union[Any, dict], oversample_thr: float,
                 lazy_init: bool = False):
        if oversample_thr <= 0:
            raise ValueError(f'oversample_thr must be > 0, got {oversample_thr}')
        self.dataset = _build(dataset, 'ClassBalancedDataset')
        self.oversample_thr = oversample_thr
        self._finish_init(lazy_init)

    def _build_index(self) -> None:
        factors = self._get_repeat_factors(self.dataset, self.oversample_thr)
        self.repeat_indices = [index for index, factor in enumerate(factors)
                               for _ in range(math.ceil(factor))]

    @staticmethod
    def _get_repeat_factors(dataset: Any, repeat_thr: float) -> List[float]:
        """The repeat factor of every sample of ``dataset``."""
        size = len(dataset)
        sample_cats = [set(dataset.get_cat_ids(i)) for i in range(size)]
        frequency: Dict[int, float] = defaultdict(float)
        for cats in sample_cats:
            for cat in cats:
                frequency[cat] += 1
        class_factor = {cat: max(1.0, math.sqrt(repeat_thr / (count / size)))
                        for cat, count in frequency.items()}
        return [max((class_factor[c] for c in cats), default=1.0) for cats in sample_cats]

    def __len__(self) -> int:
        self._ensure_init()
        return len(self.repeat_indices)

    def _get_ori_dataset_idx(self, idx: int) -> int:
        return self.repeat_indices[_check_index(idx, len(self), 'ClassBalancedDataset')]


@DATASETS.register_module()
class KFoldDataset(_Wrapper):
    """One side of a K-fold split: the validation fold or the other ``num_splits - 1`` folds.

    The fold boundaries are ``len * fold // num_splits`` and
    ``len * (fold + 1) // num_splits`` over the (optionally seeded-shuffled)
    sample order, so folds differ in size by at most one sample and the
    validation folds of all ``fold`` values partition the dataset.

    Args:
        dataset: a dataset or a dataset config.
        fold: the validation fold, ``0 <= fold < num_splits``.
        num_splits: number of folds.
        test_mode: True for the validation fold, False for the training folds.
        seed: shuffle seed applied before splitting; None keeps the order.
    """

    def __init__(self, dataset: Union[Any, dict], fold: int = 0, num_splits: int = 5,
                 test_mode: bool = False, seed: Optional[int] = None):
        if not isinstance(num_splits, int) or num_splits < 2:
            raise ValueError(f'KFoldDataset num_splits must be an int >= 2, got {num_splits!r}')
        if not isinstance(fold, int) or not 0 <= fold < num_splits:
            raise ValueError(f'KFoldDataset fold must be in [0, {num_splits - 1}], got {fold!r}')
        lazy_init = isinstance(dataset, dict) and bool(dataset.get('lazy_init', False))
        self.dataset = _build(dataset, 'KFoldDataset')
        self.fold, self.num_splits = fold, num_splits
        self.test_mode, self.seed = test_mode, seed
        self._finish_init(lazy_init)

    def fold_indices(self, size: int) -> List[int]:
        """The wrapped-dataset indices this split keeps, for a dataset of ``size`` samples."""
        order = np.arange(size)
        if self.seed is not None:
            np.random.default_rng(self.seed).shuffle(order)
        start = size * self.fold // self.num_splits
        end = size * (self.fold + 1) // self.num_splits
        kept = order[start:end] if self.test_mode else np.concatenate([order[:start], order[end:]])
        return kept.tolist()

    def _build_index(self) -> None:
        """Split the wrapped dataset; a ``BaseDataset`` is reduced to its own subset."""
        self._ori_indices = self.fold_indices(len(self.dataset))
        if isinstance(self.dataset, BaseDataset):
            # a real subset: refetching after a broken sample stays inside this split
            self.dataset = self.dataset.get_subset(self._ori_indices)
            self._index_map = None
        else:
            self._index_map = self._ori_indices
        self._metainfo = copy.deepcopy(getattr(self.dataset, 'metainfo', {}))

    def __len__(self) -> int:
        self._ensure_init()
        return len(self._ori_indices)

    def _get_ori_dataset_idx(self, idx: int) -> int:
        idx = _check_index(idx, len(self), 'KFoldDataset')
        return idx if self._index_map is None else self._index_map[idx]
