"""MNIST and Fashion-MNIST from their idx files, plain or gzip-compressed.

Files are looked up in the ``root`` folder as ``train-images-idx3-ubyte`` or
``train-images-idx3-ubyte.gz`` (and so on), so a read-only copy such as
``/usr/share/datasets/fashion-mnist`` is used in place.  Existing files are not
md5-checked (repackaged ``.gz`` streams differ byte-wise yet hold the same
data); the header and sizes are validated instead.  A download is checked
against the official md5 and unpacked next to the ``.gz``.  Each data info
holds ``img`` (28x28 uint8).
"""
from __future__ import annotations

import gzip
import lzma
import os
import os.path as osp
from typing import BinaryIO, List, Optional, Tuple, Union

import numpy as np

from mmcls.registry import DATASETS

from ._download_guard import download_once
from ._downloadable import DownloadableDataset
from .categories import FASHIONMNIST_CATEGORIES, MNIST_CATEGORIES
from .download import download_and_extract_archive

__all__ = ['MNIST', 'FashionMNIST', 'read_idx_file', 'get_int', 'read_sn3_pascalvincent_tensor',
           'read_label_file', 'read_image_file']

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype('>i2'), 0x0C: np.dtype('>i4'),
               0x0D: np.dtype('>f4'), 0x0E: np.dtype('>f8')}


def get_int(b: bytes) -> int:
    """A big-endian unsigned integer from its bytes (the idx header fields)."""
    return int.from_bytes(b, 'big')


def _read_bytes(source: Union[str, BinaryIO]) -> bytes:
    """The (decompressed) content of a path (``.gz``/``.xz`` or plain) or binary file object."""
    if not isinstance(source, (str, os.PathLike)):
        return source.read()
    path = os.fspath(source)
    opener = gzip.open if path.endswith('.gz') else lzma.open if path.endswith('.xz') else open
    with opener(path, 'rb') as f:
        return f.read()


def _parse_idx(data: bytes, source: str, strict: bool = True) -> np.ndarray:
    """An idx file's content as an array of its declared type and shape.

    ``strict=False`` accepts bytes after the declared data (they are ignored).
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f'{source!r} is not an idx file (bad magic number)')
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(get_int(data[4 * i:4 * i + 4]) for i in range(1, ndim + 1))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) < expected or (strict and len(data) != expected):
        raise ValueError(f'{source!r} holds {len(data)} bytes, but its header {shape} needs '
                         f'{expected}; the file is truncated or corrupt')
    values = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=header)
    return values.reshape(shape).astype(dtype.newbyteorder('='))


def read_idx_file(path: str) -> np.ndarray:
    """Read an idx file (``.gz`` or plain) into an array of its declared type and shape."""
    return _parse_idx(_read_bytes(path), path)


def read_sn3_pascalvincent_tensor(path: Union[str, BinaryIO], strict: bool = True):
    """Read an idx ("SN3 Pascal Vincent") file, a path or binary file object, as a tensor.

    ``strict=False`` ignores bytes after the data the header declares.
    """
    import torch
    source = path if isinstance(path, (str, os.PathLike)) else getattr(path, 'name', '<file>')
    return torch.from_numpy(_parse_idx(_read_bytes(path), str(source), strict))


def _read_uint8_file(path: str, ndim: int, what: str):
    import torch
    with open(path, 'rb') as f:
        tensor = read_sn3_pascalvincent_tensor(f, strict=False)
    if tensor.dtype != torch.uint8 or tensor.dim() != ndim:
        raise ValueError(f'{path!r} is not an idx {what} file: expected {ndim}-d uint8 data, '
                         f'got {tensor.dim()}-d {tensor.dtype}')
    return tensor


def read_label_file(path: str):
    """The labels of an idx label file, as an int64 tensor of shape (N, )."""
    return _read_uint8_file(path, 1, 'label').long()


def read_image_file(path: str):
    """The images of an idx image file, as a uint8 tensor of shape (N, H, W)."""
    return _read_uint8_file(path, 3, 'image')


@DATASETS.register_module()
class MNIST(DownloadableDataset):
    """MNIST dataset.

    Args:
        data_prefix: folder holding the idx files (joined to ``data_root``).
        test_mode: True for the 10k test set, False for the 60k training set;
            no default, pass it explicitly.
        metainfo: meta information; ``classes`` defaults to the digit names.
        data_root: root of ``data_prefix``; ``data_root='data/mnist'`` alone also works.
        download: fetch missing files from ``url_prefix``.
        **kwargs: other :class:`BaseDataset` arguments.
    """

    url_prefix = 'http://yann.lecun.com/exdb/mnist/'
    # tried after url_prefix: the original host is often unreachable
    mirrors = ('https://ossci-datasets.s3.amazonaws.com/mnist/',)
    train_list = [['train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'],
                  ['train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432']]
    test_list = [['t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'],
                 ['t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c']]
    METAINFO = {'classes': MNIST_CATEGORIES}

    @property
    def root_content(self) -> str:
        return 'the idx files'

    def _find(self, gz_name: str) -> Optional[str]:
        """The plain or ``.gz`` copy of a file in ``root``, or None."""
        plain = osp.join(self.root, gz_name[:-3])
        for candidate in (plain, plain + '.gz'):
            if osp.isfile(candidate):
                return candidate
        return None

    def _missing(self) -> List[Tuple[str, str]]:
        return [(name, md5) for name, md5 in self.train_list + self.test_list
                if self._find(name) is None]

    def _fetch(self) -> None:
        """Download each missing ``.gz`` file (trying the mirrors in turn) and unpack it."""
        for name, md5 in self._missing():
            errors = []
            for prefix in (self.url_prefix, *self.mirrors):
                try:
                    download_and_extract_archive(prefix + name, download_root=self.root,
                                                 filename=name, md5=md5)
                    break
                except RuntimeError as error:
                    errors.append(str(error))
            else:
                raise RuntimeError(f'{type(self).__name__}: could not download {name}:\n  '
                                   + '\n  '.join(errors))

    def load_data_list(self) -> List[dict]:
        """Read the split's images and labels into ``img``/``gt_label`` data infos."""
        if self._missing() and self.download:
            download_once(self._fetch)
        images_name, labels_name = (n for n, _ in (self.test_list if self.test_mode
                                                   else self.train_list))
        images_path, labels_path = self._find(images_name), self._find(labels_name)
        if images_path is None or labels_path is None:
            raise FileNotFoundError(
                f'{type(self).__name__}: {images_name[:-3]}[.gz] and {labels_name[:-3]}[.gz] '
                f'must be in {self.root!r}; use download=True to fetch them')
        images, labels = read_idx_file(images_path), read_idx_file(labels_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f'{images_path!r} {images.shape} and {labels_path!r} '
                             f'{labels.shape} do not form an image/label pair')
        return [dict(img=np.ascontiguousarray(img), gt_label=int(label))
                for img, label in zip(images, labels)]


@DATASETS.register_module()
class FashionMNIST(MNIST):
    """Fashion-MNIST dataset; arguments as :class:`MNIST`."""

    url_prefix = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
    mirrors = ()
    train_list = [['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
                  ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe']]
    test_list = [['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
                 ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310']]
    METAINFO = {'classes': FASHIONMNIST_CATEGORIES}
