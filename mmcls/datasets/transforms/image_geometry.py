"""Geometric image helpers: resize, rescale, crop, pad, flip, rotate, shear, translate.

Small functions over uint8 HWC (or HW) arrays with MMCV's argument names and
conventions: sizes are ``(w, h)``, crop boxes are inclusive ``(x1, y1, x2, y2)``,
``padding`` is ``(left, top, right, bottom)``.  :func:`crop_and_resize` also
accepts a :class:`LazyImage` and decodes it at a reduced size when the
output allows it, keeping the crop geometry of the full-size path.
"""
from __future__ import annotations

import numbers
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from PIL import Image

from .image_io import LazyImage

CV2_INTERP = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
    'lanczos': cv2.INTER_LANCZOS4,
}
PILLOW_INTERP = {
    'nearest': Image.NEAREST,
    'bilinear': Image.BILINEAR,
    'bicubic': Image.BICUBIC,
    'box': Image.BOX,
    'lanczos': Image.LANCZOS,
    'hamming': Image.HAMMING,
}
PADDING_MODES = {
    'constant': cv2.BORDER_CONSTANT,
    'edge': cv2.BORDER_REPLICATE,
    'reflect': cv2.BORDER_REFLECT_101,
    'symmetric': cv2.BORDER_REFLECT,
}
FLIP_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')
_FLIP_CODES = {'horizontal': 1, 'vertical': 0, 'diagonal': -1}

Number = Union[int, float]


def check_interpolation(interpolation: str, backend: str = 'cv2') -> None:
    """Raise ValueError for an interpolation name the backend does not know."""
    table = {'cv2': CV2_INTERP, 'pillow': PILLOW_INTERP}.get(backend)
    if table is None:
        raise ValueError(f'unknown resize backend {backend!r}; choose "cv2" or "pillow"')
    if interpolation not in table:
        raise ValueError(f'interpolation {interpolation!r} is not supported by the {backend} '
                         f'backend; choose from {sorted(table)}')


def imresize(img: np.ndarray,
             size: Tuple[int, int],
             return_scale: bool = False,
             interpolation: str = 'bilinear',
             backend: str = 'cv2'):
    """Resize ``img`` to ``size=(w, h)``; optionally return ``(img, w_scale, h_scale)``."""
    check_interpolation(interpolation, backend)
    h, w = img.shape[:2]
    size = (int(size[0]), int(size[1]))
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError(f'resize target {size} must be positive')
    if backend == 'pillow':
        if img.dtype != np.uint8:
            raise ValueError(f'the pillow resize backend needs uint8 images, got {img.dtype}')
        squeeze = img.ndim == 3 and img.shape[2] == 1  # Pillow has no HxWx1 mode
        pil = Image.fromarray(img[..., 0] if squeeze else img)
        resized = np.asarray(pil.resize(size, PILLOW_INTERP[interpolation]))
        resized = resized[..., None] if squeeze else resized
    elif (w, h) == size:
        resized = img
    else:
        resized = cv2.resize(img, size, interpolation=CV2_INTERP[interpolation])
        if img.ndim == 3 and resized.ndim == 2:  # cv2 drops a trailing 1-channel axis
            resized = resized[..., None]
    if not return_scale:
        return resized
    return resized, size[0] / w, size[1] / h


def scale_size(size: Tuple[int, int], scale: Union[float, Tuple[float, float]]) -> Tuple[int, int]:
    """Scale ``(w, h)`` by a factor or a ``(w_factor, h_factor)`` pair, rounding to nearest."""
    if isinstance(scale, numbers.Number):
        scale = (scale, scale)
    w, h = size
    return int(w * float(scale[0]) + 0.5), int(h * float(scale[1]) + 0.5)


def rescale_size(old_size: Tuple[int, int],
                 scale: Union[float, int, Tuple[int, int]],
                 return_scale: bool = False):
    """Size ``(w, h)`` after rescaling ``old_size`` while keeping its aspect ratio.

    ``scale`` is a factor, or a ``(long, short)`` edge limit pair (in either
    order): the largest size whose long edge <= max(scale) and short edge <=
    min(scale).
    """
    w, h = old_size
    if isinstance(scale, numbers.Number):
        if scale <= 0:
            raise ValueError(f'invalid scale {scale}, must be positive')
        factor = float(scale)
    elif isinstance(scale, (tuple, list)) and len(scale) == 2:
        max_long, max_short = max(scale), min(scale)
        factor = min(max_long / max(h, w), max_short / min(h, w))
    else:
        raise TypeError(f'scale must be a number or a (w, h) pair, got {scale!r}')
    new_size = scale_size((w, h), factor)
    return (new_size, factor) if return_scale else new_size


def imrescale(img: np.ndarray,
              scale: Union[float, int, Tuple[int, int]],
              return_scale: bool = False,
              interpolation: str = 'bilinear',
              backend: str = 'cv2'):
    """Resize ``img`` keeping its aspect ratio (see :func:`rescale_size`)."""
    h, w = img.shape[:2]
    new_size, factor = rescale_size((w, h), scale, return_scale=True)
    rescaled = imresize(img, new_size, interpolation=interpolation, backend=backend)
    return (rescaled, factor) if return_scale else rescaled


def imcrop(img: np.ndarray, bbox: Sequence[int]) -> np.ndarray:
    """Crop the inclusive box ``(x1, y1, x2, y2)``, clipped to the image (a view)."""
    h, w = img.shape[:2]
    x1, y1, x2, y2 = (int(v) for v in bbox)
    x1, x2 = max(0, min(x1, w - 1)), max(0, min(x2, w - 1))
    y1, y2 = max(0, min(y1, h - 1)), max(0, min(y2, h - 1))
    return img[y1:y2 + 1, x1:x2 + 1]


def _border_value(pad_val, img: np.ndarray):
    """cv2 wants a scalar or a tuple of up to 4 values for the border colour.

    A per-channel sequence may be longer than the channel count (a BGR mean
    used on a greyscale image); its first values are used, as OpenCV does.
    """
    if isinstance(pad_val, numbers.Number):
        return pad_val if img.ndim == 2 else tuple([pad_val] * min(img.shape[2], 4))
    values = tuple(pad_val)
    channels = 1 if img.ndim == 2 else img.shape[2]
    if len(values) < min(channels, 4):
        raise ValueError(f'pad value {pad_val!r} has {len(values)} entries for an image with '
                         f'{channels} channels')
    return values[:4]


def impad(img: np.ndarray,
          *,
          shape: Optional[Tuple[int, int]] = None,
          padding: Union[int, Sequence[int], None] = None,
          pad_val: Union[Number, Sequence[Number]] = 0,
          padding_mode: str = 'constant') -> np.ndarray:
    """Pad to ``shape=(h, w)`` (bottom/right) or by ``padding`` (int, (lr, tb) or (l, t, r, b))."""
    if (shape is None) == (padding is None):
        raise ValueError('impad needs exactly one of `shape` and `padding`')
    if padding_mode not in PADDING_MODES:
        raise ValueError(f'padding_mode {padding_mode!r} not in {sorted(PADDING_MODES)}')
    if shape is not None:
        padding = (0, 0, shape[1] - img.shape[1], shape[0] - img.shape[0])
    if isinstance(padding, numbers.Number):
        padding = (padding, ) * 4
    elif len(padding) == 2:
        padding = (padding[0], padding[1], padding[0], padding[1])
    elif len(padding) != 4:
        raise ValueError(f'padding must be an int or have 2 or 4 entries, got {padding!r}')
    left, top, right, bottom = (int(p) for p in padding)
    if min(left, top, right, bottom) < 0:
        raise ValueError(f'padding {padding!r} must not be negative (image is larger than the '
                         'target shape?)')
    if left == top == right == bottom == 0:
        return img
    padded = cv2.copyMakeBorder(img, top, bottom, left, right, PADDING_MODES[padding_mode],
                                value=_border_value(pad_val, img))
    if img.ndim == 3 and padded.ndim == 2:
        padded = padded[..., None]
    return padded


def impad_to_multiple(img: np.ndarray, divisor: int, pad_val: Number = 0) -> np.ndarray:
    """Pad bottom/right so both sides are multiples of ``divisor``."""
    h, w = img.shape[:2]
    shape = (-(-h // divisor) * divisor, -(-w // divisor) * divisor)
    return impad(img, shape=shape, pad_val=pad_val)


def imflip(img: np.ndarray, direction: str = 'horizontal') -> np.ndarray:
    """Flip horizontally, vertically or both ('diagonal'); returns a new contiguous array."""
    if direction not in FLIP_DIRECTIONS:
        raise ValueError(f'flip direction {direction!r} not in {FLIP_DIRECTIONS}')
    flipped = cv2.flip(img, _FLIP_CODES[direction])
    if img.ndim == 3 and flipped.ndim == 2:
        flipped = flipped[..., None]
    return flipped


def _warp(img: np.ndarray, matrix: np.ndarray, border_value, interpolation: str,
          size: Optional[Tuple[int, int]] = None) -> np.ndarray:
    check_interpolation(interpolation)
    h, w = img.shape[:2]
    warped = cv2.warpAffine(img, matrix, size or (w, h), flags=CV2_INTERP[interpolation],
                            borderMode=cv2.BORDER_CONSTANT,
                            borderValue=_border_value(border_value, img))
    if img.ndim == 3 and warped.ndim == 2:
        warped = warped[..., None]
    return warped


def imrotate(img: np.ndarray,
             angle: float,
             center: Optional[Tuple[float, float]] = None,
             scale: float = 1.0,
             border_value: Union[Number, Sequence[Number]] = 0,
             interpolation: str = 'bilinear') -> np.ndarray:
    """Rotate by ``angle`` degrees clockwise around ``center`` (default: image centre)."""
    h, w = img.shape[:2]
    if center is None:
        center = ((w - 1) * 0.5, (h - 1) * 0.5)
    matrix = cv2.getRotationMatrix2D(center, -angle, scale)
    return _warp(img, matrix, border_value, interpolation)


def _warp_along(img: np.ndarray, direction: str, horizontal: list, vertical: list, op: str,
                border_value, interpolation: str) -> np.ndarray:
    """Warp with the affine matrix ``horizontal`` or ``vertical``, as ``direction`` says
    (``op`` names the operation in the error for any other direction)."""
    if direction == 'horizontal':
        matrix = horizontal
    elif direction == 'vertical':
        matrix = vertical
    else:
        raise ValueError(f'{op} direction must be "horizontal" or "vertical", got {direction!r}')
    return _warp(img, np.float32(matrix), border_value, interpolation)


def imshear(img: np.ndarray,
            magnitude: float,
            direction: str = 'horizontal',
            border_value: Union[Number, Sequence[Number]] = 0,
            interpolation: str = 'bilinear') -> np.ndarray:
    """Shear: horizontal maps (x, y) -> (x + magnitude * y, y); vertical the transpose."""
    return _warp_along(img, direction, [[1, magnitude, 0], [0, 1, 0]],
                       [[1, 0, 0], [magnitude, 1, 0]], 'shear', border_value, interpolation)


def imtranslate(img: np.ndarray,
                offset: float,
                direction: str = 'horizontal',
                border_value: Union[Number, Sequence[Number]] = 0,
                interpolation: str = 'bilinear') -> np.ndarray:
    """Translate by ``offset`` pixels (positive: right or down)."""
    return _warp_along(img, direction, [[1, 0, offset], [0, 1, 0]],
                       [[1, 0, 0], [0, 1, offset]], 'translate', border_value, interpolation)


def image_hw(img: Union[np.ndarray, LazyImage]) -> Tuple[int, int]:
    """``(h, w)`` of an array or a :class:`LazyImage` (no decoding)."""
    return int(img.shape[0]), int(img.shape[1])


def choose_reduction(crop_w: float, crop_h: float, out_w: int, out_h: int) -> int:
    """Largest decode reduction (8, 4, 2 or 1) that keeps the crop at least the output size."""
    for factor in (8, 4, 2):
        if crop_w / factor >= out_w and crop_h / factor >= out_h:
            return factor
    return 1


# interpolations whose reduced-decode result stays close to the full path (nearest
# sampling of a box-filtered image differs too much)
_WARP_INTERPOLATIONS = ('bilinear', 'bicubic', 'lanczos')


def _resize_from_reduced(small: np.ndarray, factor: int, box: Tuple[int, int, int, int],
                         out_size: Tuple[int, int], interpolation: str) -> np.ndarray:
    """Crop+resize ``box`` (full-size x, y, w, h) from a 1/factor decode with one warp.

    A reduced pixel i covers full pixels [i*f, (i+1)*f), so full coordinate x
    sits at (x + 0.5) / f - 0.5; output pixel u samples full coordinate
    x0 + (u + 0.5) * crop_w / out_w - 0.5, as cv2.resize does on the crop.
    """
    x0, y0, crop_w, crop_h = box
    out_w, out_h = out_size
    sx, sy = crop_w / out_w, crop_h / out_h
    matrix = np.array([[sx / factor, 0, (x0 + 0.5 * sx) / factor - 0.5],
                       [0, sy / factor, (y0 + 0.5 * sy) / factor - 0.5]], dtype=np.float64)
    warped = cv2.warpAffine(small, matrix, (out_w, out_h),
                            flags=CV2_INTERP[interpolation] | cv2.WARP_INVERSE_MAP,
                            borderMode=cv2.BORDER_REPLICATE)
    if small.ndim == 3 and warped.ndim == 2:
        warped = warped[..., None]
    return warped


def crop_and_resize(img: Union[np.ndarray, LazyImage],
                    box: Tuple[int, int, int, int],
                    out_size: Tuple[int, int],
                    interpolation: str = 'bilinear',
                    backend: str = 'cv2') -> np.ndarray:
    """Crop ``box=(x, y, w, h)`` (full-size pixels) and resize it to ``out_size=(w, h)``.

    On an array this is ``imresize(imcrop(...))``.  On a :class:`LazyImage`
    the JPEG is decoded at 1/2, 1/4 or 1/8 size when the crop stays at least
    as large as the output, and sampled at exactly the coordinates the full
    path would use; otherwise it is decoded fully.
    """
    x0, y0, crop_w, crop_h = (int(v) for v in box)
    if isinstance(img, LazyImage):
        factor = choose_reduction(crop_w, crop_h, *out_size)
        if factor > 1 and backend == 'cv2' and interpolation in _WARP_INTERPOLATIONS:
            small = img.decode_reduced(factor)
            if small is not None:
                return _resize_from_reduced(small, factor, (x0, y0, crop_w, crop_h),
                                            out_size, interpolation)
        img = img.decode()
    cropped = imcrop(img, (x0, y0, x0 + crop_w - 1, y0 + crop_h - 1))
    return imresize(cropped, out_size, interpolation=interpolation, backend=backend)


__all__ = [
    'CV2_INTERP', 'PILLOW_INTERP', 'PADDING_MODES', 'FLIP_DIRECTIONS', 'check_interpolation',
    'imresize', 'scale_size', 'rescale_size', 'imrescale', 'imcrop', 'impad', 'impad_to_multiple',
    'imflip', 'imrotate', 'imshear', 'imtranslate', 'image_hw', 'choose_reduction',
    'crop_and_resize'
]
