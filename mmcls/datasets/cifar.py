"""CIFAR-10 and CIFAR-100 from their python pickle batches (``cifar-10-batches-py``...).

Each batch file is checked against its md5 before use; with ``download=True``
missing files are fetched from the official archive.  Images are kept in
memory as ``img`` (32x32x3 uint8, **RGB** as stored in the batches; the CIFAR
configs use ``to_rgb=False`` in their data preprocessor).
"""
from __future__ import annotations

import os.path as osp
import pickle
from typing import List

import numpy as np

from mmcls.registry import DATASETS

from ._download_guard import download_once
from ._downloadable import DownloadableDataset
from .categories import CIFAR10_CATEGORIES, CIFAR100_CATEGORIES
from .download import check_md5, download_and_extract_archive

__all__ = ['CIFAR10', 'CIFAR100']


@DATASETS.register_module()
class CIFAR10(DownloadableDataset):
    """CIFAR-10 dataset.

    Args:
        data_prefix: folder holding ``cifar-10-batches-py`` (joined to ``data_root``).
        test_mode: True for the test batch, False for the five training batches.
            It has no default: pass it explicitly.
        metainfo: meta information; ``classes`` defaults to the CIFAR-10 names.
        data_root: root of ``data_prefix``; ``data_root='data/cifar10'`` alone also works.
        download: download the archive when the batches are missing.
        **kwargs: other :class:`BaseDataset` arguments.
    """

    base_folder = 'cifar-10-batches-py'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
    filename = 'cifar-10-python.tar.gz'
    tgz_md5 = 'c58f30108f718f92721af3b95e74349a'
    train_list = [
        ['data_batch_1', 'c99cafc152244af753f735de768cd75f'],
        ['data_batch_2', 'd4bba439e000b95fd0a9bffe97cbabec'],
        ['data_batch_3', '54ebc095f3ab1f0389bbae665268c751'],
        ['data_batch_4', '634d18415352ddfa80567beed471001a'],
        ['data_batch_5', '482c414d41f54cd18b22e5b47cb7c3cb'],
    ]
    test_list = [['test_batch', '40351d587109b95175f43aff81a1287e']]
    meta = {'filename': 'batches.meta', 'key': 'label_names',
            'md5': '5ff9c542aee3614f3951f8cda6e48888'}
    METAINFO = {'classes': CIFAR10_CATEGORIES}

    @property
    def root_content(self) -> str:
        return self.base_folder

    def _files(self) -> List[List[str]]:
        return self.test_list if self.test_mode else self.train_list

    def _check_integrity(self) -> bool:
        folder = osp.join(self.root, self.base_folder)
        entries = self.train_list + self.test_list + [[self.meta['filename'], self.meta['md5']]]
        return all(check_md5(osp.join(folder, name), md5) for name, md5 in entries)

    def _fetch(self) -> None:
        download_and_extract_archive(self.url, self.root, filename=self.filename,
                                     md5=self.tgz_md5)

    def load_data_list(self) -> List[dict]:
        """Read the batches of the split into ``img``/``gt_label`` data infos."""
        if not self._check_integrity() and self.download:
            download_once(self._fetch)
        if not self._check_integrity():
            raise RuntimeError(f'{type(self).__name__}: the batches in '
                               f'{osp.join(self.root, self.base_folder)!r} are missing or '
                               'corrupted (md5 mismatch); use download=True to fetch them')
        images, labels = [], []
        for name, _ in self._files():
            entry = self._unpickle(name)
            images.append(entry['data'])
            labels.extend(entry['labels'] if 'labels' in entry else entry['fine_labels'])
        pixels = np.vstack(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self._load_meta()
        return [dict(img=np.ascontiguousarray(img), gt_label=int(label))
                for img, label in zip(pixels, labels)]

    def _unpickle(self, name: str) -> dict:
        path = osp.join(self.root, self.base_folder, name)
        with open(path, 'rb') as f:
            return pickle.load(f, encoding='latin1')

    def _load_meta(self) -> None:
        """Take the class names from the meta file when none were given."""
        if self._metainfo.get('classes') is None:
            names = self._unpickle(self.meta['filename'])[self.meta['key']]
            self._metainfo['classes'] = tuple(names)


@DATASETS.register_module()
class CIFAR100(CIFAR10):
    """CIFAR-100 dataset (fine labels); arguments as :class:`CIFAR10`."""

    base_folder = 'cifar-100-python'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'
    filename = 'cifar-100-python.tar.gz'
    tgz_md5 = 'eb9058c3a382ffc7106e4002c42a8d85'
    train_list = [['train', '16019d7e3df5f24257cddd939b257f8d']]
    test_list = [['test', 'f0ef6b0ae62326f3e7ffdfab6717acfc']]
    meta = {'filename': 'meta', 'key': 'fine_label_names',
            'md5': '7973b15100ade9c7d40fb424638fde48'}
    METAINFO = {'classes': CIFAR100_CATEGORIES}
