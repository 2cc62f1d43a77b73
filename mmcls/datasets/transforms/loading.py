"""Image loading transforms: ``LoadImageFromFile`` and ``LoadImageFromNDArray``."""
from __future__ import annotations

import os
from typing import Dict, Optional

import numpy as np

from mmcls.registry import TRANSFORMS

from .base import BaseTransform
from .image_io import COLOR_FLAGS, LazyImage, imfrombytes, read_bytes, read_header_size

__all__ = ['LoadImageFromFile', 'LoadImageFromNDArray']


def _set_image(results: Dict, img) -> Dict:
    results['img'] = img
    results['img_shape'] = tuple(img.shape[:2])
    results['ori_shape'] = tuple(img.shape[:2])
    return results


@TRANSFORMS.register_module()
class LoadImageFromFile(BaseTransform):
    """Load an image from ``results['img_path']``.

    **Required Keys:** ``img_path`` (or ``img`` already holding an array, as
    MNIST/CIFAR datasets and the inferencer provide).

    **Modified Keys:** ``img``, ``img_shape``, ``ori_shape``.

    Args:
        to_float32: return a float32 image instead of uint8.
        color_type: 'color', 'grayscale', 'unchanged', 'color_ignore_orientation'
            or 'grayscale_ignore_orientation'.
        imdecode_backend: 'cv2' or 'pillow'.
        ignore_empty: return None (drop the sample) instead of raising when
            the file does not exist.
        file_client_args: accepted for MMCV compatibility; only the local
            disk backend (``None`` or ``dict(backend='disk')``) is supported.
        reduced_decode: allow a faster, approximate JPEG decode (off by default,
            so outputs match a full decode bit for bit).  When True and this
            loader is directly followed, inside
            :class:`~mmcls.datasets.transforms.wrappers.Compose`, by a transform
            with ``accepts_lazy_image`` (``RandomResizedCrop``, ``Resize``,
            ``ResizeEdge``, ``EfficientNetCenterCrop``...), a JPEG is handed on
            as a :class:`LazyImage`; that transform plans its crop box from the
            header size exactly as on decoded pixels and decodes at 1/2, 1/4 or
            1/8 scale (libjpeg DCT scaling) whenever the crop stays at least that
            many times the output size, sampling the same full-size coordinates.
            Pixels then differ slightly from the full-decode output (a reduced
            decode is a box-filtered image); the crop geometry and random draws
            do not.  Called on its own, the loader always returns pixels.
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 ignore_empty: bool = False,
                 file_client_args: Optional[dict] = None,
                 reduced_decode: bool = False):
        if color_type not in COLOR_FLAGS:
            raise ValueError(f'LoadImageFromFile: color_type {color_type!r} not in {COLOR_FLAGS}')
        if imdecode_backend not in ('cv2', 'pillow'):
            raise ValueError(f'LoadImageFromFile: imdecode_backend {imdecode_backend!r} must be '
                             '"cv2" or "pillow"')
        if file_client_args is not None and file_client_args.get('backend', 'disk') != 'disk':
            raise ValueError('LoadImageFromFile: only file_client_args=dict(backend="disk") is '
                             f'supported, got {file_client_args!r}')
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.ignore_empty = ignore_empty
        self.file_client_args = file_client_args
        self.reduced_decode = bool(reduced_decode)

    @property
    def can_defer_decode(self) -> bool:
        """Whether this loader may hand a :class:`LazyImage` to the next transform."""
        return (self.reduced_decode and not self.to_float32
                and self.color_type in ('color', 'grayscale'))

    def transform(self, results: Dict) -> Optional[Dict]:
        """Load and decode the image."""
        return self.load(results, defer_decode=False)

    def load(self, results: Dict, defer_decode: bool = False) -> Optional[Dict]:
        """Load the image; with ``defer_decode`` a JPEG may stay encoded as a LazyImage."""
        if results.get('img_path') is None and isinstance(results.get('img'), np.ndarray):
            return _set_image(results, self._finish(results['img']))
        if 'img_path' not in results:
            raise KeyError('LoadImageFromFile needs "img_path" (or an "img" array) in the '
                           f'results; got keys {sorted(results)}')
        path = results['img_path']
        try:
            content = read_bytes(path)
        except FileNotFoundError:
            if self.ignore_empty:
                return None
            raise
        if self.ignore_empty and not content:
            return None
        if defer_decode and self.can_defer_decode:
            size = read_header_size(content, apply_orientation=True)
            if size is not None:
                lazy = LazyImage(content, size[0], size[1], flag=self.color_type,
                                 backend=self.imdecode_backend, source=os.fspath(path))
                if lazy.supports_reduction:
                    return _set_image(results, lazy)
        img = imfrombytes(content, flag=self.color_type, backend=self.imdecode_backend,
                          source=os.fspath(path))
        return _set_image(results, self._finish(img))

    def _finish(self, img: np.ndarray) -> np.ndarray:
        return img.astype(np.float32) if self.to_float32 else img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(ignore_empty={self.ignore_empty}, '
                f'to_float32={self.to_float32}, color_type={self.color_type!r}, '
                f'imdecode_backend={self.imdecode_backend!r}, '
                f'file_client_args={self.file_client_args}, '
                f'reduced_decode={self.reduced_decode})')


@TRANSFORMS.register_module()
class LoadImageFromNDArray(LoadImageFromFile):
    """Take the image from ``results['img']`` (an ndarray) and set its shape keys.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``,
    ``ori_shape``; ``img_path`` is set to None.
    """

    @property
    def can_defer_decode(self) -> bool:
        """Never: the image is already decoded."""
        return False

    def transform(self, results: Dict) -> Optional[Dict]:
        """Record the array's shape (and convert to float32 if asked)."""
        img = results.get('img')
        if not isinstance(img, np.ndarray):
            raise KeyError('LoadImageFromNDArray needs an ndarray in results["img"], got '
                           f'{type(img).__name__}')
        results['img_path'] = None
        return _set_image(results, self._finish(img))
