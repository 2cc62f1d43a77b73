"""Photometric image helpers on uint8 BGR arrays, with MMCV's semantics.

Blends follow PIL's ``ImageEnhance``: ``out = factor * img + (1 - factor) *
degenerate`` where the degenerate image is black (brightness), the mean grey
(contrast), the greyscale image (colour) or a smoothed image (sharpness).
"""
from __future__ import annotations

from typing import Sequence, Tuple, Union

import cv2
import numpy as np

Number = Union[int, float]


def bgr2gray(img: np.ndarray, keepdim: bool = False) -> np.ndarray:
    """BGR to greyscale with ITU-R 601 weights (OpenCV)."""
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return gray[..., None] if keepdim else gray


def gray2bgr(img: np.ndarray) -> np.ndarray:
    """Greyscale (HxW or HxWx1) to three identical channels."""
    img = img[..., 0] if img.ndim == 3 else img
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def _blend(img: np.ndarray, degenerate: np.ndarray, factor: float) -> np.ndarray:
    """``factor * img + (1 - factor) * degenerate`` clipped to [0, 255], truncated to uint8."""
    blended = cv2.addWeighted(img.astype(np.float32), float(factor),
                              degenerate.astype(np.float32), 1.0 - float(factor), 0)
    return np.clip(blended, 0, 255).astype(img.dtype)


def adjust_brightness(img: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """Scale brightness: 0 gives black, 1 the original image."""
    return _blend(img, np.zeros_like(img), factor)


def adjust_contrast(img: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """Blend with the mean grey level: 0 gives a flat grey image, 1 the original."""
    gray = bgr2gray(img)
    mean = round(float(gray.mean()))
    degenerate = np.full_like(img, mean)
    return _blend(img, degenerate, factor)


def adjust_color(img: np.ndarray, alpha: float = 1.0, beta: float = None,
                 gamma: float = 0.0) -> np.ndarray:
    """Saturation: ``alpha * img + beta * gray + gamma`` (beta defaults to 1 - alpha)."""
    gray = gray2bgr(bgr2gray(img))
    if beta is None:
        beta = 1.0 - alpha
    colored = cv2.addWeighted(img.astype(np.float32), float(alpha), gray.astype(np.float32),
                              float(beta), float(gamma))
    return np.clip(colored, 0, 255).astype(img.dtype)


# PIL's SMOOTH filter, used as the degenerate image of sharpness
_SMOOTH_KERNEL = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float32) / 13


def adjust_sharpness(img: np.ndarray, factor: float = 1.0) -> np.ndarray:
    """Blend with a smoothed image: 0 blurs, 1 is the original, > 1 sharpens."""
    if factor == 1.0:
        return img.copy()
    degenerate = cv2.filter2D(img, -1, _SMOOTH_KERNEL)
    if img.ndim == 3 and degenerate.ndim == 2:
        degenerate = degenerate[..., None]
    return _blend(img, degenerate, factor)


def adjust_hue(img: np.ndarray, hue_factor: float) -> np.ndarray:
    """Shift hue by ``hue_factor`` of a full turn (``-0.5 <= hue_factor <= 0.5``)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor {hue_factor} is not in [-0.5, 0.5]')
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)
    shift = np.uint8(int(round(hue_factor * 255)) % 256)
    hsv[..., 0] = hsv[..., 0] + shift  # uint8 arithmetic wraps around the hue circle
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL)


def adjust_lighting(img: np.ndarray, eigval: np.ndarray, eigvec: np.ndarray,
                    alpha: np.ndarray, to_rgb: bool = False) -> np.ndarray:
    """AlexNet PCA lighting: add ``eigvec @ (alpha * eigval)`` to every pixel, clipped.

    ``alpha`` is the per-component random weight, drawn by the caller.
    """
    if to_rgb:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    shift = np.asarray(eigvec, np.float32) @ (np.asarray(alpha, np.float32) *
                                              np.asarray(eigval, np.float32))
    out = img.astype(np.float32) + shift.reshape(1, 1, -1)
    return np.clip(out, 0, 255).astype(img.dtype)


def auto_contrast(img: np.ndarray, cutoff: Union[Number, Tuple[Number, Number]] = 0) -> np.ndarray:
    """Stretch each channel so its darkest pixel becomes 0 and its brightest 255 (PIL)."""
    if isinstance(cutoff, (int, float)):
        cutoff = (cutoff, cutoff)
    channels = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    out = []
    for channel in channels:
        hist = np.bincount(channel.ravel(), minlength=256).astype(np.float64)
        total = hist.sum()
        lo_cut, hi_cut = total * cutoff[0] / 100, total * cutoff[1] / 100
        cum = np.cumsum(hist)
        low = int(np.searchsorted(cum, lo_cut, side='right'))
        high = int(255 - np.searchsorted(np.cumsum(hist[::-1]), hi_cut, side='right'))
        if high <= low:
            lut = np.arange(256)
        else:
            scale = 255.0 / (high - low)
            lut = np.arange(256) * scale - low * scale
        out.append(np.clip(lut, 0, 255).astype(np.uint8)[channel])
    return out[0] if img.ndim == 2 else np.stack(out, axis=-1)


def imequalize(img: np.ndarray) -> np.ndarray:
    """Equalise each channel's histogram like ``PIL.ImageOps.equalize``."""
    channels = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    out = []
    for channel in channels:
        hist = np.bincount(channel.ravel(), minlength=256)
        nonzero = hist[hist > 0]
        step = (int(nonzero.sum()) - int(nonzero[-1])) // 255 if nonzero.size else 0
        if step == 0:
            out.append(channel.copy())
            continue
        lut = (np.cumsum(hist) + step // 2) // step
        lut = np.concatenate([[0], lut[:-1]])
        out.append(np.clip(lut, 0, 255).astype(np.uint8)[channel])
    return out[0] if img.ndim == 2 else np.stack(out, axis=-1)


def iminvert(img: np.ndarray) -> np.ndarray:
    """``255 - img``."""
    return np.full_like(img, 255) - img


def solarize(img: np.ndarray, thr: Number = 128) -> np.ndarray:
    """Invert the pixels >= ``thr``."""
    return np.where(img < thr, img, 255 - img).astype(img.dtype)


def solarize_add(img: np.ndarray, magnitude: Number, thr: Number = 128) -> np.ndarray:
    """Add ``magnitude`` (clipped at 255) to the pixels below ``thr``."""
    added = np.minimum(img.astype(np.int32) + int(magnitude), 255)
    return np.where(img < thr, added, img).astype(img.dtype)


def posterize(img: np.ndarray, bits: int) -> np.ndarray:
    """Keep the ``bits`` most significant bits of every value."""
    shift = 8 - int(bits)
    if shift <= 0:
        return img.copy()
    if shift >= 8:
        return np.zeros_like(img)
    return np.left_shift(np.right_shift(img, shift), shift)


def cutout_box(img_hw: Tuple[int, int], shape: Union[int, Tuple[int, int]],
               center: Tuple[float, float]) -> Tuple[int, int, int, int]:
    """``(x1, y1, x2, y2)`` (exclusive end) of a cutout of ``shape=(h, w)`` at ``center=(x, y)``."""
    h, w = img_hw
    cut_h, cut_w = (shape, shape) if isinstance(shape, (int, float)) else shape
    x1 = int(max(0, center[0] - cut_w / 2.))
    y1 = int(max(0, center[1] - cut_h / 2.))
    x2 = min(w, x1 + int(cut_w))
    y2 = min(h, y1 + int(cut_h))
    return x1, y1, x2, y2


def fill_box(img: np.ndarray, box: Tuple[int, int, int, int],
             value: Union[Number, Sequence[Number]]) -> np.ndarray:
    """Return a copy of ``img`` with ``box=(x1, y1, x2, y2)`` filled with ``value``."""
    out = img.copy()
    x1, y1, x2, y2 = box
    out[y1:y2, x1:x2, ...] = np.asarray(value, dtype=img.dtype)
    return out


__all__ = [
    'bgr2gray', 'gray2bgr', 'adjust_brightness', 'adjust_contrast', 'adjust_color',
    'adjust_sharpness', 'adjust_hue', 'adjust_lighting', 'auto_contrast', 'imequalize',
    'iminvert', 'solarize', 'solarize_add', 'posterize', 'cutout_box', 'fill_box'
]
