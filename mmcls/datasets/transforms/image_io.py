"""Image decoding: ``imread``/``imfrombytes`` with OpenCV and Pillow backends.

Images come back as uint8 HWC arrays in BGR order (or HxW for grayscale), as
MMCV returns them.  Every decode checks the pixel count against
:data:`MAX_IMAGE_PIXELS` first, so a decompression bomb fails with a clear
error instead of exhausting memory.

:class:`LazyImage` holds the encoded bytes and the header size of an image
whose decoding is deferred: a following geometric transform can then decode a
JPEG directly at 1/2, 1/4 or 1/8 of its size (``cv2.IMREAD_REDUCED_*`` or
Pillow ``draft``) when its output is small enough, which is much cheaper than
decoding every pixel and throwing most away.
"""
from __future__ import annotations

import io
import math
import os
from typing import Optional, Tuple, Union

import cv2
import numpy as np
from PIL import Image, ImageOps

# Largest number of pixels an image may have; override with $MMCLS_MAX_IMAGE_PIXELS.
MAX_IMAGE_PIXELS = int(os.environ.get('MMCLS_MAX_IMAGE_PIXELS', 2**28))

COLOR_FLAGS = ('color', 'grayscale', 'unchanged', 'color_ignore_orientation',
               'grayscale_ignore_orientation')
_CV2_FLAGS = {
    'color': cv2.IMREAD_COLOR,
    'grayscale': cv2.IMREAD_GRAYSCALE,
    'unchanged': cv2.IMREAD_UNCHANGED,
    'color_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_COLOR,
    'grayscale_ignore_orientation': cv2.IMREAD_IGNORE_ORIENTATION | cv2.IMREAD_GRAYSCALE,
}
_CV2_REDUCED_FLAGS = {
    ('color', 2): cv2.IMREAD_REDUCED_COLOR_2,
    ('color', 4): cv2.IMREAD_REDUCED_COLOR_4,
    ('color', 8): cv2.IMREAD_REDUCED_COLOR_8,
    ('grayscale', 2): cv2.IMREAD_REDUCED_GRAYSCALE_2,
    ('grayscale', 4): cv2.IMREAD_REDUCED_GRAYSCALE_4,
    ('grayscale', 8): cv2.IMREAD_REDUCED_GRAYSCALE_8,
}
BACKENDS = ('cv2', 'pillow')
# EXIF orientations that swap width and height.
_TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)


class ImageTooLargeError(ValueError):
    """Raised for an image whose pixel count exceeds :data:`MAX_IMAGE_PIXELS`."""


def check_pixel_count(width: int, height: int, source: str = '<bytes>') -> None:
    """Raise :class:`ImageTooLargeError` when ``width * height`` exceeds the cap."""
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageTooLargeError(
            f'{source}: image of {width}x{height} = {width * height} pixels exceeds the limit '
            f'of {MAX_IMAGE_PIXELS} pixels (set $MMCLS_MAX_IMAGE_PIXELS to raise it)')


def set_opencv_threads(num_threads: Optional[int]) -> None:
    """Set OpenCV's thread count (``env_cfg.mp_cfg.opencv_num_threads``); None keeps it.

    Data-loader workers should use 0 or 1 so that several workers do not
    oversubscribe the cores with OpenCV's own thread pool.
    """
    if num_threads is not None:
        cv2.setNumThreads(int(num_threads))


def is_jpeg(content: bytes) -> bool:
    """Whether ``content`` starts with the JPEG SOI marker."""
    return content[:2] == b'\xff\xd8'


def _jpeg_orientation(exif: bytes) -> int:
    """EXIF orientation (tag 0x0112) from the payload of a JPEG APP1 'Exif' segment; 1 if absent."""
    tiff = exif[6:]
    if len(tiff) < 8 or tiff[:2] not in (b'II', b'MM'):
        return 1
    order = 'little' if tiff[:2] == b'II' else 'big'
    ifd = int.from_bytes(tiff[4:8], order)
    if ifd + 2 > len(tiff):
        return 1
    for index in range(int.from_bytes(tiff[ifd:ifd + 2], order)):
        entry = ifd + 2 + 12 * index
        if entry + 12 > len(tiff):
            break
        if int.from_bytes(tiff[entry:entry + 2], order) == 0x0112:
            return int.from_bytes(tiff[entry + 8:entry + 10], order)
    return 1


# JPEG start-of-frame markers (baseline, progressive, lossless...), which carry the size
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_header(content: bytes) -> Optional[Tuple[int, int, int]]:
    """``(width, height, orientation)`` from the JPEG markers, or None if malformed."""
    pos, orientation, end = 2, 1, len(content)
    while pos + 4 <= end:
        if content[pos] != 0xFF:
            return None
        marker = content[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(content[pos + 2:pos + 4], 'big')
        if marker == 0xE1 and content[pos + 4:pos + 10] == b'Exif\x00\x00':
            orientation = _jpeg_orientation(content[pos + 4:pos + 2 + length])
        elif marker in _SOF_MARKERS:
            if pos + 9 > end:
                return None
            height = int.from_bytes(content[pos + 5:pos + 7], 'big')
            width = int.from_bytes(content[pos + 7:pos + 9], 'big')
            return width, height, orientation
        pos += 2 + length
    return None


def read_header_size(content: bytes, apply_orientation: bool = True) -> Optional[Tuple[int, int]]:
    """Return ``(width, height)`` of encoded ``content`` from its header, or None.

    JPEG and PNG headers are parsed directly (a few microseconds); other
    formats go through Pillow's lazy ``open``.  With ``apply_orientation`` a
    JPEG's EXIF orientation is taken into account, as decoding with
    ``flag='color'`` applies it.
    """
    if is_jpeg(content):
        header = _jpeg_header(content)
        if header is None:
            return None
        width, height, orientation = header
        if apply_orientation and orientation in _TRANSPOSING_ORIENTATIONS:
            width, height = height, width
        return width, height
    if content[:8] == b'\x89PNG\r\n\x1a\n' and content[12:16] == b'IHDR':
        return int.from_bytes(content[16:20], 'big'), int.from_bytes(content[20:24], 'big')
    try:
        with Image.open(io.BytesIO(content)) as pil:
            return pil.size
    except Exception:  # not an image Pillow can identify; the decoder will say more
        return None


def _check_flag(flag: str) -> None:
    if flag not in COLOR_FLAGS:
        raise ValueError(f'unknown color_type/flag {flag!r}; choose from {COLOR_FLAGS}')


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f'unknown image backend {backend!r}; choose from {BACKENDS}')


def _pillow_to_array(pil: Image.Image, flag: str, channel_order: str) -> np.ndarray:
    """Convert a Pillow image to a BGR/RGB or grayscale uint8 array following ``flag``."""
    if flag == 'unchanged':
        array = np.asarray(pil)
        if array.ndim == 3 and array.shape[2] >= 3 and channel_order == 'bgr':
            array = array[..., [2, 1, 0, *range(3, array.shape[2])]]
        return np.ascontiguousarray(array)
    if not flag.endswith('ignore_orientation'):
        pil = ImageOps.exif_transpose(pil)
    if flag.startswith('grayscale'):
        return np.asarray(pil.convert('L')).copy()
    array = np.asarray(pil.convert('RGB'))
    if channel_order == 'bgr':
        return cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    return array.copy()


def imfrombytes(content: bytes,
                flag: str = 'color',
                channel_order: str = 'bgr',
                backend: str = 'cv2',
                source: str = '<bytes>') -> np.ndarray:
    """Decode encoded image bytes into a uint8 array (BGR by default).

    Args:
        content: the encoded file content.
        flag: 'color', 'grayscale', 'unchanged', 'color_ignore_orientation'
            or 'grayscale_ignore_orientation'.
        channel_order: 'bgr' or 'rgb' for colour images.
        backend: 'cv2' or 'pillow'.
        source: a name for error messages (usually the file path).

    Raises:
        ValueError: when the bytes cannot be decoded.
        ImageTooLargeError: when the image exceeds :data:`MAX_IMAGE_PIXELS`.
    """
    _check_flag(flag)
    _check_backend(backend)
    size = read_header_size(content, apply_orientation=False)
    if size is not None:
        check_pixel_count(*size, source=source)
    if backend == 'pillow':
        try:
            with Image.open(io.BytesIO(content)) as pil:
                return _pillow_to_array(pil, flag, channel_order)
        except (OSError, SyntaxError, ValueError) as err:
            raise ValueError(f'{source}: Pillow cannot decode this image ({err})') from err
    img = cv2.imdecode(np.frombuffer(content, np.uint8), _CV2_FLAGS[flag])
    if img is None:
        raise ValueError(f'{source}: OpenCV cannot decode this image (empty, truncated or '
                         'not an image)')
    if size is None:
        check_pixel_count(img.shape[1], img.shape[0], source=source)
    if img.ndim == 3 and img.shape[2] in (3, 4) and channel_order == 'rgb':
        code = cv2.COLOR_BGR2RGB if img.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
        cv2.cvtColor(img, code, dst=img)
    return img


def read_bytes(path: Union[str, os.PathLike]) -> bytes:
    """Read a whole file; errors name the path."""
    with open(path, 'rb') as file:
        return file.read()


def imread(path: Union[str, os.PathLike, np.ndarray],
           flag: str = 'color',
           channel_order: str = 'bgr',
           backend: str = 'cv2') -> np.ndarray:
    """Read an image file (an ndarray is returned as is), like ``mmcv.imread``."""
    if isinstance(path, np.ndarray):
        return path
    return imfrombytes(read_bytes(path), flag, channel_order, backend, source=str(path))


class LazyImage:
    """An encoded image whose decoding is deferred until a transform needs its pixels.

    ``shape`` is known from the header, so transforms can plan crops before
    any pixel is decoded; :meth:`decode` returns the full image and
    :meth:`decode_reduced` a JPEG decoded at ``1/factor`` of its size.

    Args:
        content: encoded bytes.
        width, height: size after EXIF orientation, from the header.
        flag: 'color' or 'grayscale' (the flags that allow reduced decoding).
        backend: 'cv2' or 'pillow'.
        source: file path for error messages.
    """

    __slots__ = ('content', 'shape', 'flag', 'backend', 'source', '_full')

    def __init__(self, content: bytes, width: int, height: int, flag: str = 'color',
                 backend: str = 'cv2', source: str = '<bytes>'):
        if flag not in ('color', 'grayscale'):
            raise ValueError(f'LazyImage supports flag "color" or "grayscale", got {flag!r}')
        _check_backend(backend)
        self.content = content
        self.shape = (height, width, 3) if flag == 'color' else (height, width)
        self.flag = flag
        self.backend = backend
        self.source = source
        self._full: Optional[np.ndarray] = None

    @property
    def supports_reduction(self) -> bool:
        """Whether decoding at a reduced size is cheaper than a full decode (JPEG only)."""
        return is_jpeg(self.content)

    def decode(self) -> np.ndarray:
        """Decode every pixel (cached)."""
        if self._full is None:
            self._full = imfrombytes(self.content, self.flag, backend=self.backend,
                                     source=self.source)
        return self._full

    def reduced_shape(self, factor: int) -> Tuple[int, int]:
        """``(h, w)`` of a ``1/factor`` decode: libjpeg rounds each side up."""
        height, width = self.shape[:2]
        return math.ceil(height / factor), math.ceil(width / factor)

    def decode_reduced(self, factor: int) -> Optional[np.ndarray]:
        """Decode at ``1/factor`` size (factor 2, 4 or 8); None when that is not possible.

        The result has :meth:`reduced_shape`; any other outcome (e.g. an
        orientation tag the header parse did not match) returns None so the
        caller falls back to a full decode.
        """
        if factor == 1 or self._full is not None:
            return None
        if factor not in (2, 4, 8) or not self.supports_reduction:
            return None
        check_pixel_count(self.shape[1], self.shape[0], source=self.source)
        if self.backend == 'cv2':
            img = cv2.imdecode(np.frombuffer(self.content, np.uint8),
                               _CV2_REDUCED_FLAGS[(self.flag, factor)])
        else:
            img = self._pillow_draft(factor)
        if img is None or img.shape[:2] != self.reduced_shape(factor):
            return None
        return img

    def _pillow_draft(self, factor: int) -> Optional[np.ndarray]:
        height, width = self.shape[:2]
        try:
            with Image.open(io.BytesIO(self.content)) as pil:
                mode = 'RGB' if self.flag == 'color' else 'L'
                # draft() picks the largest DCT scale s with size // s >= the request
                pil.draft(mode, (pil.size[0] // factor, pil.size[1] // factor))
                return _pillow_to_array(pil, self.flag, 'bgr')
        except (OSError, SyntaxError, ValueError):
            return None

    def __repr__(self) -> str:
        return (f'LazyImage(source={self.source!r}, shape={self.shape}, flag={self.flag!r}, '
                f'backend={self.backend!r})')


def materialize(img: Union[np.ndarray, LazyImage]) -> np.ndarray:
    """Return the pixels of ``img``, decoding a :class:`LazyImage` fully."""
    return img.decode() if isinstance(img, LazyImage) else img


__all__ = [
    'MAX_IMAGE_PIXELS', 'ImageTooLargeError', 'LazyImage', 'check_pixel_count', 'imfrombytes',
    'imread', 'is_jpeg', 'materialize', 'read_bytes', 'read_header_size', 'set_opencv_threads'
]
