"""Geometric transforms: resize, crop, flip and pad, with MMCV/MMClassification names.

The array-level helpers they use (``imresize``, ``imcrop``, ...) live in
:mod:`.image_geometry`.  Transforms marked ``accepts_lazy_image`` plan their
crop from the image size alone and let :func:`~.image_geometry.crop_and_resize`
decode a deferred JPEG at reduced size when the loader allows it.
"""
from __future__ import annotations

import math
import numbers
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from mmcls.registry import TRANSFORMS

from .base import BaseTransform, cache_randomness
from .image_geometry import (FLIP_DIRECTIONS, PADDING_MODES, check_interpolation,
                             crop_and_resize, image_hw, imcrop, imflip, impad, rescale_size,
                             scale_size)
# The image helpers lived in this module before the transform classes moved in;
# importing them here keeps ``from mmcls.datasets.transforms.geometric import imresize``
# working (they are exported by ``image_geometry``, not listed again in ``__all__``).
from .image_geometry import (CV2_INTERP, PILLOW_INTERP, choose_reduction,  # noqa: F401
                             impad_to_multiple, imrescale, imresize, imrotate, imshear,
                             imtranslate)
from .image_io import materialize

__all__ = [
    'Resize', 'ResizeEdge', 'RandomResize', 'RandomChoiceResize', 'CenterCrop', 'RandomCrop',
    'RandomResizedCrop', 'EfficientNetRandomCrop', 'EfficientNetCenterCrop', 'RandomFlip', 'Pad'
]


def _pair(value: Union[int, Sequence[int]], name: str) -> Tuple[int, int]:
    """An int becomes ``(v, v)``; a pair stays; both entries must be positive."""
    if isinstance(value, numbers.Number):
        value = (value, value)
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise ValueError(f'{name} must be an int or a pair, got {value!r}')
    if value[0] <= 0 or value[1] <= 0:
        raise ValueError(f'{name} must be positive, got {value!r}')
    return int(value[0]), int(value[1])


def _set_image(results: Dict, img: np.ndarray) -> Dict:
    """Store the new ``img`` and its ``img_shape`` in ``results``; return ``results``."""
    results['img'] = img
    results['img_shape'] = img.shape[:2]
    return results


def _resize_whole(results: Dict, size: Tuple[int, int], interpolation: str,
                  backend: str) -> None:
    """Resize ``results['img']`` (array or LazyImage) to ``size=(w, h)``; set shape keys."""
    img = results['img']
    h, w = image_hw(img)
    if isinstance(img, np.ndarray):  # nothing to crop: resize the array directly
        resized = imresize(img, size, interpolation=interpolation, backend=backend)
    else:
        resized = crop_and_resize(img, (0, 0, w, h), size, interpolation, backend)
    _set_image(results, resized)
    results['scale_factor'] = (size[0] / w, size[1] / h)


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize the image to ``scale=(w, h)`` or by ``scale_factor``.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.
    **Added Keys:** ``scale``, ``scale_factor``, ``keep_ratio``.

    Args:
        scale: target ``(w, h)``, or an int for a square.  With ``keep_ratio``
            it is a ``(long, short)`` limit: the image is rescaled to the
            largest size fitting it.
        scale_factor: a factor or ``(w_factor, h_factor)``; exactly one of
            ``scale`` and ``scale_factor`` must be given.
        keep_ratio: keep the aspect ratio.
        clip_object_border: accepted for MMCV compatibility (no boxes here).
        backend: 'cv2' or 'pillow'.
        interpolation: 'nearest', 'bilinear', 'bicubic', 'area' or 'lanczos'.
    """

    accepts_lazy_image = True
    repr_fields = ('scale', 'scale_factor', 'keep_ratio', 'clip_object_border', 'backend',
                   'interpolation')

    def __init__(self,
                 scale: Union[int, Tuple[int, int], None] = None,
                 scale_factor: Union[float, Tuple[float, float], None] = None,
                 keep_ratio: bool = False,
                 clip_object_border: bool = True,
                 backend: str = 'cv2',
                 interpolation: str = 'bilinear'):
        if (scale is None) == (scale_factor is None):
            raise ValueError('Resize: give exactly one of `scale` and `scale_factor`')
        if isinstance(scale, (tuple, list)) and -1 in scale:
            raise ValueError(f'Resize: scale {scale!r} with -1 is not supported; use '
                             'ResizeEdge(scale=..., edge="short") instead')
        self.scale = None if scale is None else _pair(scale, 'Resize scale')
        if scale_factor is not None and not isinstance(scale_factor, numbers.Number):
            scale_factor = tuple(scale_factor)
            if len(scale_factor) != 2:
                raise ValueError(f'Resize: scale_factor must be a number or a pair, got '
                                 f'{scale_factor!r}')
        self.scale_factor = scale_factor
        check_interpolation(interpolation, backend)
        self.keep_ratio = keep_ratio
        self.clip_object_border = clip_object_border
        self.backend = backend
        self.interpolation = interpolation

    def target_size(self, h: int, w: int) -> Tuple[int, int]:
        """Output ``(w, h)`` for an input of ``h`` x ``w``."""
        if self.scale is not None:
            target = self.scale
            if self.keep_ratio:
                target = rescale_size((w, h), target)
            return target
        if self.keep_ratio:
            factor = self.scale_factor
            if not isinstance(factor, numbers.Number):
                raise ValueError('Resize: keep_ratio needs a single scale_factor, got '
                                 f'{factor!r}')
            return rescale_size((w, h), float(factor))
        return scale_size((w, h), self.scale_factor)

    def transform(self, results: Dict) -> Dict:
        """Resize ``results['img']``."""
        h, w = image_hw(results['img'])
        target = self.target_size(h, w)
        results['scale'] = target
        _resize_whole(results, target, self.interpolation, self.backend)
        results['keep_ratio'] = self.keep_ratio
        return results


@TRANSFORMS.register_module()
class ResizeEdge(BaseTransform):
    """Resize so that one edge equals ``scale``, keeping the aspect ratio.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.
    **Added Keys:** ``scale``, ``scale_factor``.

    Args:
        scale: the length of the chosen edge after resizing.
        edge: 'short', 'long', 'width' or 'height'.  The other edge becomes
            ``int(scale * other / edge)`` (e.g. 500x375 with ``scale=256``,
            ``edge='short'`` gives 341x256).
        backend: 'cv2' or 'pillow'.
        interpolation: the resize interpolation.
    """

    accepts_lazy_image = True
    EDGES = ('short', 'long', 'width', 'height')
    repr_fields = ('scale', 'edge', 'backend', 'interpolation')

    def __init__(self, scale: int, edge: str = 'short', backend: str = 'cv2',
                 interpolation: str = 'bilinear'):
        if edge not in self.EDGES:
            raise ValueError(f'ResizeEdge: invalid edge {edge!r}, choose from {self.EDGES}')
        check_interpolation(interpolation, backend)
        self.scale = scale
        self.edge = edge
        self.backend = backend
        self.interpolation = interpolation

    def target_size(self, h: int, w: int) -> Tuple[int, int]:
        """Output ``(w, h)`` for an input of ``h`` x ``w``."""
        resize_width = (self.edge == 'width' or (self.edge == 'short' and w < h)
                        or (self.edge == 'long' and w > h))
        if resize_width:
            return self.scale, int(self.scale * h / w)
        return int(self.scale * w / h), self.scale

    def transform(self, results: Dict) -> Dict:
        """Resize ``results['img']`` along the chosen edge."""
        if 'img' not in results:
            raise KeyError('ResizeEdge needs "img" in the results')
        h, w = image_hw(results['img'])
        target = self.target_size(h, w)
        _resize_whole(results, target, self.interpolation, self.backend)
        results['scale'] = target
        return results


@TRANSFORMS.register_module()
class RandomResize(BaseTransform):
    """Resize to a random scale.

    With ``ratio_range``, ``scale=(w, h)`` is multiplied by a factor drawn
    uniformly from it; otherwise ``scale`` is two ``(w, h)`` pairs and the
    long and short edges are drawn between them.  The resize itself is a
    ``resize_type`` transform built with ``resize_kwargs``.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.
    **Added Keys:** ``scale``, ``scale_factor``, ``keep_ratio``.
    """

    accepts_lazy_image = True  # the inner Resize decodes a LazyImage itself
    repr_fields = ('scale', 'ratio_range', 'resize_cfg')

    def __init__(self, scale: Union[Tuple[int, int], Sequence[Tuple[int, int]]],
                 ratio_range: Optional[Tuple[float, float]] = None,
                 resize_type: str = 'Resize', **resize_kwargs):
        self.scale = scale
        self.ratio_range = ratio_range
        self.resize_cfg = dict(type=resize_type, **resize_kwargs)

    @cache_randomness
    def random_scale(self) -> Tuple[int, int]:
        """Draw the target ``(w, h)``."""
        if self.ratio_range is not None:
            low, high = self.ratio_range
            ratio = np.random.uniform(low, high)
            w, h = _pair(self.scale, 'RandomResize scale')
            return int(w * ratio), int(h * ratio)
        if not (len(self.scale) == 2 and all(len(s) == 2 for s in self.scale)):
            raise ValueError('RandomResize: without ratio_range, scale must be two (w, h) '
                             f'pairs, got {self.scale!r}')
        longs = [max(s) for s in self.scale]
        shorts = [min(s) for s in self.scale]
        return (int(np.random.randint(min(longs), max(longs) + 1)),
                int(np.random.randint(min(shorts), max(shorts) + 1)))

    def transform(self, results: Dict) -> Dict:
        """Resize to a freshly drawn scale."""
        scale = _pair(self.random_scale(), 'RandomResize scale')
        return TRANSFORMS.build(dict(self.resize_cfg, scale=scale))(results)


@TRANSFORMS.register_module()
class RandomChoiceResize(BaseTransform):
    """Resize to one of ``scales`` chosen uniformly at random.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.
    **Added Keys:** ``scale``, ``scale_factor``, ``keep_ratio``, ``scale_idx``.
    """

    accepts_lazy_image = True  # the inner Resize decodes a LazyImage itself
    repr_fields = ('scales', 'resize_cfg')

    def __init__(self, scales: Sequence, resize_type: str = 'Resize', **resize_kwargs):
        if not isinstance(scales, (list, tuple)) or not scales:
            raise ValueError(f'RandomChoiceResize: scales must be a non-empty list, got {scales!r}')
        self.scales = list(scales)
        self.resize_cfg = dict(type=resize_type, **resize_kwargs)

    @cache_randomness
    def random_index(self) -> int:
        """Draw the index of the scale to use."""
        return int(np.random.randint(len(self.scales)))

    def transform(self, results: Dict) -> Dict:
        """Resize to a randomly chosen scale."""
        index = self.random_index()
        resize = TRANSFORMS.build(dict(self.resize_cfg, scale=self.scales[index]))
        results = resize(results)
        results['scale_idx'] = index
        return results


@TRANSFORMS.register_module()
class Pad(BaseTransform):
    """Pad the image bottom/right to ``size=(w, h)``, to a multiple, or to a square.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.
    **Added Keys:** ``pad_shape``, ``pad_fixed_size``, ``pad_size_divisor``.

    Args:
        size: fixed ``(w, h)`` to pad to.
        size_divisor: pad each side to a multiple of it.
        pad_to_square: pad to a square of the long edge first.
        pad_val: a number, a per-channel sequence, or ``dict(img=...)``.
        padding_mode: 'constant', 'edge', 'reflect' or 'symmetric'.
    """

    repr_fields = ('size', 'size_divisor', 'pad_to_square', 'pad_val', 'padding_mode')

    def __init__(self,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 pad_to_square: bool = False,
                 pad_val: Union[numbers.Number, Sequence, dict] = dict(img=0, seg=255),
                 padding_mode: str = 'constant'):
        if pad_to_square and size is not None:
            raise ValueError('Pad: pad_to_square and size cannot both be set')
        if not pad_to_square and size is None and size_divisor is None:
            raise ValueError('Pad: give size, size_divisor or pad_to_square=True')
        if padding_mode not in PADDING_MODES:
            raise ValueError(f'Pad: padding_mode {padding_mode!r} not in {sorted(PADDING_MODES)}')
        self.size = None if size is None else _pair(size, 'Pad size')
        self.size_divisor = size_divisor
        self.pad_to_square = pad_to_square
        self.pad_val = pad_val
        self.padding_mode = padding_mode

    def transform(self, results: Dict) -> Dict:
        """Pad ``results['img']``."""
        img = materialize(results['img'])
        h, w = img.shape[:2]
        target_w, target_h = (max(h, w), max(h, w)) if self.pad_to_square else (w, h)
        if self.size is not None:
            target_w, target_h = max(self.size[0], w), max(self.size[1], h)
        if self.size_divisor is not None:
            div = self.size_divisor
            target_w, target_h = -(-target_w // div) * div, -(-target_h // div) * div
        pad_val = self.pad_val.get('img', 0) if isinstance(self.pad_val, dict) else self.pad_val
        img = impad(img, shape=(target_h, target_w), pad_val=pad_val,
                    padding_mode=self.padding_mode)
        _set_image(results, img)
        results['pad_shape'] = img.shape
        results['pad_fixed_size'] = self.size
        results['pad_size_divisor'] = self.size_divisor
        return results


@TRANSFORMS.register_module()
class CenterCrop(BaseTransform):
    """Crop the centre of the image.

    The top-left corner is ``(round((w - cw) / 2), round((h - ch) / 2))`` with
    Python rounding, clipped at 0; a crop larger than the image is clipped to
    it unless ``auto_pad`` pads the image first.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.
    **Added Keys:** ``pad_shape`` etc. when ``auto_pad`` pads.

    Args:
        crop_size: ``(w, h)`` or an int for a square.
        auto_pad: pad images smaller than the crop (with ``pad_cfg``).
        pad_cfg: config of the padding transform. Defaults to ``dict(type='Pad')``.
        clip_object_border: accepted for MMCV compatibility.
    """

    repr_fields = ('crop_size', 'auto_pad', 'pad_cfg', 'clip_object_border')

    def __init__(self, crop_size: Union[int, Tuple[int, int]], auto_pad: bool = False,
                 pad_cfg: dict = dict(type='Pad'), clip_object_border: bool = True):
        self.crop_size = _pair(crop_size, 'CenterCrop crop_size')
        self.auto_pad = auto_pad
        self.pad_cfg = dict(pad_cfg)
        self.clip_object_border = clip_object_border

    def transform(self, results: Dict) -> Dict:
        """Centre-crop ``results['img']``."""
        img = materialize(results['img'])
        results['img'] = img
        crop_w, crop_h = self.crop_size
        h, w = img.shape[:2]
        if self.auto_pad and (crop_h > h or crop_w > w):
            pad = TRANSFORMS.build(dict(self.pad_cfg, size=(max(w, crop_w), max(h, crop_h))))
            results = pad(results)
            img = results['img']
            h, w = img.shape[:2]
        y1 = max(0, int(round((h - crop_h) / 2.)))
        x1 = max(0, int(round((w - crop_w) / 2.)))
        y2 = min(h, y1 + crop_h) - 1
        x2 = min(w, x1 + crop_w) - 1
        return _set_image(results, imcrop(img, (x1, y1, x2, y2)))


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Crop at a random location (after optional padding).

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.

    Args:
        crop_size: ``(h, w)`` or an int for a square.
        padding: pad the borders first: an int, ``(left/right, top/bottom)``
            or ``(left, top, right, bottom)``.
        pad_if_needed: pad images smaller than the crop (evenly on both sides).
        pad_val: the constant fill value (number or per-channel sequence).
        padding_mode: 'constant', 'edge', 'reflect' or 'symmetric' (used for
            both kinds of padding, as torchvision does).
    """

    repr_fields = ('crop_size', 'padding', 'pad_if_needed', 'pad_val', 'padding_mode')

    def __init__(self, crop_size: Union[int, Sequence[int]],
                 padding: Union[int, Sequence[int], None] = None, pad_if_needed: bool = False,
                 pad_val: Union[numbers.Number, Sequence] = 0, padding_mode: str = 'constant'):
        self.crop_size = _pair(crop_size, 'RandomCrop crop_size')
        if padding_mode not in PADDING_MODES:
            raise ValueError(f'RandomCrop: padding_mode {padding_mode!r} not in '
                             f'{sorted(PADDING_MODES)}')
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.pad_val = pad_val
        self.padding_mode = padding_mode

    @cache_randomness
    def rand_crop_params(self, img: np.ndarray) -> Tuple[int, int, int, int]:
        """Return ``(offset_h, offset_w, target_h, target_w)``."""
        h, w = img.shape[:2]
        target_h, target_w = min(self.crop_size[0], h), min(self.crop_size[1], w)
        offset_h = int(np.random.randint(0, h - target_h + 1))
        offset_w = int(np.random.randint(0, w - target_w + 1))
        return offset_h, offset_w, target_h, target_w

    def transform(self, results: Dict) -> Dict:
        """Pad if configured, then crop at a random offset."""
        img = materialize(results['img'])
        if self.padding is not None:
            img = impad(img, padding=self.padding, pad_val=self.pad_val,
                        padding_mode=self.padding_mode)
        if self.pad_if_needed:
            h_pad = math.ceil(max(0, self.crop_size[0] - img.shape[0]) / 2)
            w_pad = math.ceil(max(0, self.crop_size[1] - img.shape[1]) / 2)
            img = impad(img, padding=(w_pad, h_pad, w_pad, h_pad), pad_val=self.pad_val,
                        padding_mode=self.padding_mode)
        offset_h, offset_w, target_h, target_w = self.rand_crop_params(img)
        box = (offset_w, offset_h, offset_w + target_w - 1, offset_h + target_h - 1)
        return _set_image(results, imcrop(img, box))


@TRANSFORMS.register_module()
class RandomResizedCrop(BaseTransform):
    """Crop a random area and aspect ratio, then resize it to ``scale``.

    The area is drawn uniformly from ``crop_ratio_range`` of the image and
    the aspect ratio log-uniformly from ``aspect_ratio_range``; after
    ``max_attempts`` failures it falls back to a central crop.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.

    Args:
        scale: output ``(h, w)`` or an int for a square.
        crop_ratio_range: range of the crop area relative to the image.
        aspect_ratio_range: range of the crop aspect ratio (w / h).
        max_attempts: attempts before the central-crop fallback.
        interpolation: the resize interpolation.
        backend: 'cv2' or 'pillow'.
    """

    accepts_lazy_image = True

    def __init__(self, scale: Union[int, Sequence[int]],
                 crop_ratio_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3. / 4., 4. / 3.),
                 max_attempts: int = 10, interpolation: str = 'bilinear',
                 backend: str = 'cv2'):
        self.scale = _pair(scale, f'{type(self).__name__} scale')
        if crop_ratio_range[0] > crop_ratio_range[1] or \
                aspect_ratio_range[0] > aspect_ratio_range[1]:
            raise ValueError('range should be of kind (min, max). But received crop_ratio_range '
                             f'{crop_ratio_range} and aspect_ratio_range {aspect_ratio_range}.')
        if not isinstance(max_attempts, int) or max_attempts < 0:
            raise ValueError(f'max_attempts must be an int >= 0, got {max_attempts!r}')
        check_interpolation(interpolation, backend)
        self.crop_ratio_range = tuple(crop_ratio_range)
        self.aspect_ratio_range = tuple(aspect_ratio_range)
        self.max_attempts = max_attempts
        self.interpolation = interpolation
        self.backend = backend

    @cache_randomness
    def rand_crop_params(self, img) -> Tuple[int, int, int, int]:
        """Return ``(offset_h, offset_w, target_h, target_w)`` from the image size only."""
        h, w = image_hw(img)
        area = h * w
        log_ratio = (math.log(self.aspect_ratio_range[0]), math.log(self.aspect_ratio_range[1]))
        for _ in range(self.max_attempts):
            target_area = np.random.uniform(*self.crop_ratio_range) * area
            aspect_ratio = math.exp(np.random.uniform(*log_ratio))
            target_w = int(round(math.sqrt(target_area * aspect_ratio)))
            target_h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < target_w <= w and 0 < target_h <= h:
                offset_h = int(np.random.randint(0, h - target_h + 1))
                offset_w = int(np.random.randint(0, w - target_w + 1))
                return offset_h, offset_w, target_h, target_w
        return self._central_crop(h, w)

    def _central_crop(self, h: int, w: int) -> Tuple[int, int, int, int]:
        in_ratio = float(w) / float(h)
        if in_ratio < min(self.aspect_ratio_range):
            target_w = w
            target_h = int(round(target_w / min(self.aspect_ratio_range)))
        elif in_ratio > max(self.aspect_ratio_range):
            target_h = h
            target_w = int(round(target_h * max(self.aspect_ratio_range)))
        else:
            target_w, target_h = w, h
        return (h - target_h) // 2, (w - target_w) // 2, target_h, target_w

    def transform(self, results: Dict) -> Dict:
        """Crop and resize ``results['img']`` (decoding a LazyImage at reduced size if possible)."""
        img = results['img']
        offset_h, offset_w, target_h, target_w = self.rand_crop_params(img)
        img = crop_and_resize(img, (offset_w, offset_h, target_w, target_h),
                              (self.scale[1], self.scale[0]), self.interpolation, self.backend)
        return _set_image(results, img)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, crop_ratio_range='
                f'{tuple(round(s, 4) for s in self.crop_ratio_range)}, aspect_ratio_range='
                f'{tuple(round(r, 4) for r in self.aspect_ratio_range)}, max_attempts='
                f'{self.max_attempts}, interpolation={self.interpolation}, '
                f'backend={self.backend})')


def _efficientnet_center_crop(h: int, w: int, size: int,
                              crop_padding: int) -> Tuple[int, int, int, int]:
    """``(offset_h, offset_w, target_h, target_w)`` of the centred EfficientNet crop.

    The crop side is ``size / (size + crop_padding)`` of the short edge; as a float
    it covers ``int(side - 1) + 1`` pixels (MMCV truncates the inclusive end corner).
    """
    crop = size / (size + crop_padding) * min(h, w)
    offset_h = max(0, int(round((h - crop) / 2.)))
    offset_w = max(0, int(round((w - crop) / 2.)))
    extent = int(crop - 1) + 1
    return offset_h, offset_w, min(extent, h - offset_h), min(extent, w - offset_w)


@TRANSFORMS.register_module()
class EfficientNetRandomCrop(RandomResizedCrop):
    """EfficientNet-style random resized crop (the TF ``distorted_bounding_box_crop``).

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.

    Args:
        scale: output size (an int: a square).
        min_covered: minimum crop area relative to the image.
        crop_padding: the padding of the central-crop fallback,
            ``scale / (scale + crop_padding) * short_edge``.
        interpolation: defaults to 'bicubic'.
        **kwargs: other :class:`RandomResizedCrop` arguments.
    """

    def __init__(self, scale: int, min_covered: float = 0.1, crop_padding: int = 32,
                 interpolation: str = 'bicubic', **kwargs):
        if not isinstance(scale, int):
            raise TypeError(f'EfficientNetRandomCrop: scale must be an int, got {scale!r}')
        super().__init__(scale, interpolation=interpolation, **kwargs)
        if min_covered < 0 or crop_padding < 0:
            raise ValueError('EfficientNetRandomCrop: min_covered and crop_padding must be >= 0')
        self.min_covered = min_covered
        self.crop_padding = crop_padding

    @cache_randomness
    def rand_crop_params(self, img) -> Tuple[int, int, int, int]:
        """Return ``(offset_h, offset_w, target_h, target_w)``."""
        h, w = image_hw(img)
        area = h * w
        min_target_area = self.crop_ratio_range[0] * area
        max_target_area = self.crop_ratio_range[1] * area
        for _ in range(self.max_attempts):
            aspect_ratio = np.random.uniform(*self.aspect_ratio_range)
            min_target_h = int(round(math.sqrt(min_target_area / aspect_ratio)))
            max_target_h = int(round(math.sqrt(max_target_area / aspect_ratio)))
            if max_target_h * aspect_ratio > w:
                max_target_h = int((w + 0.5 - 1e-7) / aspect_ratio)
                if max_target_h * aspect_ratio > w:
                    max_target_h -= 1
            max_target_h = min(max_target_h, h)
            min_target_h = min(max_target_h, min_target_h)
            target_h = int(round(np.random.uniform(min_target_h, max_target_h)))
            target_w = int(round(target_h * aspect_ratio))
            target_area = target_h * target_w
            if (target_area < min_target_area or target_area > max_target_area
                    or target_w > w or target_h > h or target_area < self.min_covered * area):
                continue
            offset_h = int(np.random.randint(0, h - target_h + 1))
            offset_w = int(np.random.randint(0, w - target_w + 1))
            return offset_h, offset_w, target_h, target_w
        return _efficientnet_center_crop(h, w, self.scale[0], self.crop_padding)

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', min_covered={self.min_covered}, '
                f'crop_padding={self.crop_padding})')


@TRANSFORMS.register_module()
class EfficientNetCenterCrop(BaseTransform):
    """EfficientNet-style centre crop: crop ``crop_size / (crop_size + crop_padding)``
    of the short edge at the centre, then resize to ``crop_size``.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.

    Args:
        crop_size: output size (a square).
        crop_padding: see above. Defaults to 32.
        interpolation: defaults to 'bicubic'.
        backend: 'cv2' or 'pillow'.
    """

    accepts_lazy_image = True
    repr_fields = ('crop_size', 'crop_padding', 'interpolation', 'backend')

    def __init__(self, crop_size: int, crop_padding: int = 32, interpolation: str = 'bicubic',
                 backend: str = 'cv2'):
        if not isinstance(crop_size, int) or crop_size <= 0:
            raise ValueError(f'EfficientNetCenterCrop: crop_size must be a positive int, got '
                             f'{crop_size!r}')
        if crop_padding < 0:
            raise ValueError('EfficientNetCenterCrop: crop_padding must be >= 0')
        check_interpolation(interpolation, backend)
        self.crop_size = crop_size
        self.crop_padding = crop_padding
        self.interpolation = interpolation
        self.backend = backend

    def crop_box(self, h: int, w: int) -> Tuple[int, int, int, int]:
        """``(x, y, w, h)`` of the central crop in an ``h`` x ``w`` image."""
        offset_h, offset_w, target_h, target_w = _efficientnet_center_crop(
            h, w, self.crop_size, self.crop_padding)
        return offset_w, offset_h, target_w, target_h

    def transform(self, results: Dict) -> Dict:
        """Crop the centre and resize."""
        h, w = image_hw(results['img'])
        img = crop_and_resize(results['img'], self.crop_box(h, w),
                              (self.crop_size, self.crop_size), self.interpolation, self.backend)
        return _set_image(results, img)


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Flip the image with probability ``prob`` along ``direction``.

    With a list of directions and a single ``prob``, each direction has
    probability ``prob / len(direction)``; with a list of probabilities, one
    per direction, the remaining ``1 - sum(prob)`` means no flip.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``.
    **Added Keys:** ``flip``, ``flip_direction``.

    Args:
        prob: probability (or list of probabilities) of flipping.
        direction: 'horizontal', 'vertical', 'diagonal' or a list of them.
        swap_seg_labels: accepted for MMCV compatibility (there are no
            segmentation maps to swap in classification).
    """

    repr_fields = ('prob', 'direction')

    def __init__(self, prob: Union[float, Sequence[float], None] = None,
                 direction: Union[str, Sequence[str]] = 'horizontal',
                 swap_seg_labels: Optional[Sequence] = None):
        directions = [direction] if isinstance(direction, str) else list(direction)
        for item in directions:
            if item not in FLIP_DIRECTIONS:
                raise ValueError(f'RandomFlip: direction {item!r} not in {FLIP_DIRECTIONS}')
        if prob is None:
            raise ValueError('RandomFlip: `prob` is required (e.g. prob=0.5)')
        if isinstance(prob, (list, tuple)):
            if len(prob) != len(directions):
                raise ValueError(f'RandomFlip: {len(prob)} probabilities for '
                                 f'{len(directions)} directions')
            if not 0 <= sum(prob) <= 1:
                raise ValueError(f'RandomFlip: probabilities {prob} must sum to at most 1')
        elif not 0 <= prob <= 1:
            raise ValueError(f'RandomFlip: prob {prob} must be in [0, 1]')
        self.prob = prob
        self.direction = direction
        self.swap_seg_labels = swap_seg_labels
        self._directions = directions
        self._probs = list(prob) if isinstance(prob, (list, tuple)) else \
            [prob / len(directions)] * len(directions)

    @cache_randomness
    def _choose_direction(self) -> Optional[str]:
        """Draw a direction, or None for no flip (one uniform draw against cumulative probs)."""
        draw = np.random.rand()
        cumulative = 0.0
        for direction, prob in zip(self._directions, self._probs):
            cumulative += prob
            if draw < cumulative:
                return direction
        return None

    def transform(self, results: Dict) -> Dict:
        """Flip ``results['img']`` (or not) and record the decision."""
        direction = self._choose_direction()
        results['flip'] = direction is not None
        results['flip_direction'] = direction
        if direction is not None:
            results['img'] = imflip(materialize(results['img']), direction)
        return results
