"""``DownloadableDataset``: the base of the datasets kept as fixed files in one folder.

MNIST and CIFAR read their whole split from a few known files into memory and can
fetch those files themselves; they share the constructor checks, the ``root``
folder and the repr line defined here.
"""
from __future__ import annotations

from typing import List, Optional

from .base_dataset import BaseDataset

__all__ = ['DownloadableDataset']


class DownloadableDataset(BaseDataset):
    """A dataset whose fixed files live in the folder ``root`` and may be downloaded there.

    Args:
        data_prefix: folder holding the files (joined to ``data_root``).
        test_mode: True for the test split, False for the training split;
            no default, pass it explicitly.
        metainfo: meta information; ``classes`` defaults to the class's ``METAINFO``.
        data_root: root of ``data_prefix``; ``data_root`` alone also works.
        download: fetch the files when they are missing.
        **kwargs: other :class:`BaseDataset` arguments.
    """

    def __init__(self,
                 data_prefix: str = '',
                 test_mode: Optional[bool] = None,
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 download: bool = True,
                 **kwargs):
        if test_mode is None:
            raise TypeError(f'{type(self).__name__} needs test_mode: True for the test set, '
                            'False for the training set')
        if not (data_prefix or data_root):
            raise ValueError(f'{type(self).__name__} needs data_prefix or data_root: the folder '
                             f'that holds {self.root_content}')
        self.download = download
        super().__init__(ann_file='', metainfo=metainfo, data_root=data_root,
                         data_prefix=dict(root=data_prefix), test_mode=test_mode, **kwargs)

    @property
    def root_content(self) -> str:
        """What ``root`` holds, as error messages name it."""
        return 'the dataset files'

    @property
    def root(self) -> str:
        """Folder holding the dataset files."""
        return self.data_prefix['root']

    def extra_repr(self) -> List[str]:
        return [f'Prefix of data: \t{self.root}']
