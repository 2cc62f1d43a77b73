"""Colour and erasing transforms: ColorJitter, Lighting, RandomErasing, RandomGrayscale,
Normalize."""
from __future__ import annotations

import numbers
import warnings
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from mmcls.registry import TRANSFORMS

from .base import BaseTransform, cache_randomness
from .image_io import materialize
from .photometric import (adjust_brightness, adjust_color, adjust_contrast, adjust_hue,
                          adjust_lighting)

__all__ = ['ColorJitter', 'Lighting', 'RandomErasing', 'RandomGrayscale', 'Normalize']

Range = Union[float, Sequence[float]]


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Follows torchvision's ``ColorJitter``. **Required Keys:** ``img``.
    **Modified Keys:** ``img``.

    Args:
        brightness: factor drawn from ``[max(0, 1 - b), 1 + b]`` or the given ``[min, max]``.
        contrast: likewise for the contrast factor.
        saturation: likewise for the saturation factor.
        hue: shift drawn from ``[-hue, hue]`` (``hue <= 0.5``) or the given ``[min, max]``.
    """

    repr_fields = ('brightness', 'contrast', 'saturation', 'hue')

    def __init__(self, brightness: Range = 0., contrast: Range = 0., saturation: Range = 0.,
                 hue: Range = 0.):
        self.brightness = self._set_range(brightness, 'brightness')
        self.contrast = self._set_range(contrast, 'contrast')
        self.saturation = self._set_range(saturation, 'saturation')
        self.hue = self._set_range(hue, 'hue', center=0, bound=(-0.5, 0.5))

    @staticmethod
    def _set_range(value: Range, name: str, center: float = 1,
                   bound: Tuple[float, float] = (0, float('inf'))) -> Optional[Tuple[float, float]]:
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f'ColorJitter: {name}={value} must be non negative')
            value = (center - float(value), center + float(value))
        if not (isinstance(value, (tuple, list)) and len(value) == 2):
            raise TypeError(f'ColorJitter: {name} should be a number or a (min, max) pair, '
                            f'got {value!r}')
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            clipped = tuple(float(v) for v in np.clip(value, bound[0], bound[1]))
            warnings.warn(f'ColorJitter {name} values {tuple(value)} exceed the bound {bound}, '
                          f'clipped to {clipped}.')
            value = clipped
        if value[0] == value[1] == center:
            return None
        return float(value[0]), float(value[1])

    @cache_randomness
    def _rand_params(self):
        order = np.random.permutation(4)
        draws = [None if r is None else np.random.uniform(r[0], r[1])
                 for r in (self.brightness, self.contrast, self.saturation, self.hue)]
        return (order, *draws)

    def transform(self, results: Dict) -> Dict:
        """Apply the four adjustments in a random order."""
        img = materialize(results['img'])
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:
            if index == 0 and brightness is not None:
                img = adjust_brightness(img, brightness)
            elif index == 1 and contrast is not None:
                img = adjust_contrast(img, contrast)
            elif index == 2 and saturation is not None:
                img = adjust_color(img, alpha=saturation)
            elif index == 3 and hue is not None:
                img = adjust_hue(img, hue)
        results['img'] = img
        return results


@TRANSFORMS.register_module()
class Lighting(BaseTransform):
    """AlexNet-style PCA lighting noise.

    Adds ``eigvec @ (alpha * eigval)`` to every pixel with ``alpha ~ N(0,
    alphastd)`` per component; the result is clipped to [0, 255] (MMCV wraps
    around instead, which we consider a bug). **Required Keys:** ``img``.
    **Modified Keys:** ``img``.

    Args:
        eigval: eigenvalues of the pixel covariance.
        eigvec: eigenvectors (a list of equal-length lists).
        alphastd: standard deviation of ``alpha``.
        to_rgb: convert BGR to RGB before adding the noise (as MMClassification
            does, the output then stays in RGB order).
    """

    def __init__(self, eigval: Sequence[float], eigvec: Sequence[Sequence[float]],
                 alphastd: float = 0.1, to_rgb: bool = False):
        if not isinstance(eigval, Sequence) or not isinstance(eigvec, Sequence):
            raise TypeError('Lighting: eigval and eigvec must be sequences')
        if any(len(vec) != len(eigvec[0]) for vec in eigvec):
            raise ValueError('Lighting: eigvec must contain lists of equal length')
        if not isinstance(alphastd, float):
            raise TypeError(f'Lighting: alphastd must be a float, got {alphastd!r}')
        self.eigval = np.array(eigval)
        self.eigvec = np.array(eigvec)
        self.alphastd = alphastd
        self.to_rgb = to_rgb

    @cache_randomness
    def random_alpha(self) -> np.ndarray:
        """Draw the per-component weights."""
        return np.random.normal(0, self.alphastd, self.eigval.shape[0])

    def transform(self, results: Dict) -> Dict:
        """Add the lighting noise."""
        img = materialize(results['img'])
        results['img'] = adjust_lighting(img, self.eigval, self.eigvec, self.random_alpha(),
                                         to_rgb=self.to_rgb)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(eigval={self.eigval.tolist()}, '
                f'eigvec={self.eigvec.tolist()}, alphastd={self.alphastd}, to_rgb={self.to_rgb})')


@TRANSFORMS.register_module()
class RandomErasing(BaseTransform):
    """Erase a random rectangle (Random Erasing, Zhong et al. 2017).

    **Required Keys:** ``img``.  **Modified Keys:** ``img``.

    Args:
        erase_prob: probability of erasing (a float).
        min_area_ratio, max_area_ratio: range of the erased area / image area (floats).
        aspect_range: range of the erased aspect ratio (a float ``a`` means
            ``(min(a, 1/a), max(a, 1/a))``), sampled log-uniformly.
        mode: 'const' fills ``fill_color``; 'rand' fills random values
            (uniform in [0, 255], or normal around ``fill_color`` with ``fill_std``).
        fill_color: base colour (number or three values).
        fill_std: standard deviation for ``mode='rand'``.
    """

    repr_fields = ('erase_prob', 'min_area_ratio', 'max_area_ratio', 'aspect_range', 'mode',
                   'fill_color', 'fill_std')

    def __init__(self, erase_prob: float = 0.5, min_area_ratio: float = 0.02,
                 max_area_ratio: float = 0.4, aspect_range: Union[float, Sequence[float]] = (
                     3 / 10, 10 / 3), mode: str = 'const',
                 fill_color: Union[numbers.Number, Sequence] = (128, 128, 128),
                 fill_std: Union[numbers.Number, Sequence, None] = None):
        for name, value in (('erase_prob', erase_prob), ('min_area_ratio', min_area_ratio),
                            ('max_area_ratio', max_area_ratio)):
            if not isinstance(value, float):  # as in MMClassification 1.x: 1 is not 1.
                raise TypeError(f'RandomErasing: {name} must be a float, '
                                f'got {type(value).__name__} {value!r}')
            if not 0. <= value <= 1.:
                raise ValueError(f'RandomErasing: {name}={value} must be in [0, 1]')
        if min_area_ratio > max_area_ratio:
            raise ValueError('RandomErasing: min_area_ratio should be <= max_area_ratio')
        if isinstance(aspect_range, numbers.Number):
            low = min(aspect_range, 1 / aspect_range)
            aspect_range = (low, 1 / low)
        if len(aspect_range) != 2 or not 0 < aspect_range[0] <= aspect_range[1]:
            raise ValueError(f'RandomErasing: aspect_range {aspect_range!r} must be a positive '
                             '(min, max) pair')
        if mode not in ('const', 'rand'):
            raise ValueError(f'RandomErasing: mode {mode!r} must be "const" or "rand"')
        if isinstance(fill_color, numbers.Number):
            fill_color = [fill_color] * 3
        if isinstance(fill_std, numbers.Number):
            fill_std = [fill_std] * 3
        if len(fill_color) != 3 or (fill_std is not None and len(fill_std) != 3):
            raise ValueError('RandomErasing: fill_color and fill_std need three values')
        self.erase_prob = erase_prob
        self.min_area_ratio = min_area_ratio
        self.max_area_ratio = max_area_ratio
        self.aspect_range = tuple(aspect_range)
        self.mode = mode
        # sequences are kept as given (a number becomes a list of three), as reprs show them
        self.fill_color = fill_color
        self.fill_std = fill_std

    @cache_randomness
    def random_disable(self) -> bool:
        """Whether to skip this image."""
        return np.random.rand() > self.erase_prob

    @cache_randomness
    def random_patch(self, img_h: int, img_w: int) -> Tuple[int, int, int, int]:
        """Draw ``(top, left, h, w)`` of the erased patch."""
        log_aspect = np.log(np.array(self.aspect_range, dtype=np.float32))
        aspect_ratio = np.exp(np.random.uniform(*log_aspect))
        area = img_h * img_w * np.random.uniform(self.min_area_ratio, self.max_area_ratio)
        h = min(int(round(np.sqrt(area * aspect_ratio))), img_h)
        w = min(int(round(np.sqrt(area / aspect_ratio))), img_w)
        top = int(np.random.randint(0, img_h - h)) if img_h > h else 0
        left = int(np.random.randint(0, img_w - w)) if img_w > w else 0
        return top, left, h, w

    def _patch(self, h: int, w: int, channels: int) -> np.ndarray:
        if self.mode == 'const':
            patch = np.empty((h, w, 3), dtype=np.uint8)
            patch[:] = np.array(self.fill_color, dtype=np.uint8)
        elif self.fill_std is None:
            patch = np.random.uniform(0, 256, (h, w, 3)).astype(np.uint8)
        else:
            patch = np.random.normal(self.fill_color, self.fill_std, (h, w, 3))
            patch = np.clip(patch.astype(np.int32), 0, 255).astype(np.uint8)
        return patch[..., :channels]

    def transform(self, results: Dict) -> Dict:
        """Erase a patch (in a copy of the image)."""
        if self.random_disable():
            return results
        img = materialize(results['img']).copy()
        top, left, h, w = self.random_patch(*img.shape[:2])
        channels = 1 if img.ndim == 2 else img.shape[2]
        patch = self._patch(h, w, channels)
        img[top:top + h, left:left + w] = patch if img.ndim == 3 else patch[..., 0]
        results['img'] = img
        return results


@TRANSFORMS.register_module()
class RandomGrayscale(BaseTransform):
    """Convert to greyscale with probability ``prob``.

    The grey value is the weighted mean of the channels with ``channel_weights``
    (normalised to sum to 1, in the image's channel order).
    **Required Keys:** ``img``.  **Modified Keys:** ``img``.

    Args:
        prob: probability of converting.
        keep_channels: repeat the grey channel to the input channel count.
        channel_weights: weight of each channel.
    """

    repr_fields = ('prob', 'keep_channels', 'channel_weights')

    def __init__(self, prob: float = 0.1, keep_channels: bool = True,
                 channel_weights: Sequence[float] = (1., 1., 1.)):
        if not 0 <= prob <= 1:
            raise ValueError(f'RandomGrayscale: prob {prob} must be in [0, 1]')
        self.prob = prob
        self.keep_channels = keep_channels
        self.channel_weights = tuple(channel_weights)

    @cache_randomness
    def random_apply(self) -> bool:
        """Whether to convert this image."""
        return np.random.rand() < self.prob

    def transform(self, results: Dict) -> Dict:
        """Convert (or not)."""
        if not self.random_apply():
            return results
        img = materialize(results['img'])
        if img.ndim == 2 or img.shape[2] == 1:
            return results
        if len(self.channel_weights) != img.shape[2]:
            raise ValueError(f'RandomGrayscale: {len(self.channel_weights)} channel_weights for '
                             f'an image with {img.shape[2]} channels')
        weights = np.asarray(self.channel_weights, np.float32)
        gray = img.astype(np.float32) @ (weights / weights.sum())
        gray = np.clip(np.round(gray), 0, 255).astype(img.dtype)
        results['img'] = np.repeat(gray[..., None], img.shape[2], axis=2) \
            if self.keep_channels else gray
        return results


@TRANSFORMS.register_module()
class Normalize(BaseTransform):
    """Normalise ``img`` to float32 ``(img - mean) / std`` (prefer the data preprocessor).

    **Required Keys:** ``img``.  **Modified Keys:** ``img``.
    **Added Keys:** ``img_norm_cfg``.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], to_rgb: bool = True):
        self.mean = np.array(mean, dtype=np.float32)
        self.std = np.array(std, dtype=np.float32)
        self.to_rgb = to_rgb

    def transform(self, results: Dict) -> Dict:
        """Normalise (converting BGR to RGB first when ``to_rgb``)."""
        img = materialize(results['img']).astype(np.float32)
        if self.to_rgb and img.ndim == 3 and img.shape[2] == 3:
            img = img[..., ::-1]
        results['img'] = np.ascontiguousarray((img - self.mean) / self.std)
        results['img_norm_cfg'] = dict(mean=self.mean, std=self.std, to_rgb=self.to_rgb)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(mean={self.mean.tolist()}, std={self.std.tolist()}, '
                f'to_rgb={self.to_rgb})')
