"""AutoAugment, RandAugment and their operations, as MMClassification 1.x defines them.

Every operation either takes a fixed value (``magnitude``, ``angle``, ``thr``,
``bits``, ``shape`` or ``radius``) or a ``magnitude_range=(val1, val2)`` from
which the value is ``magnitude_level / total_level * (val2 - val1) + val1``
(``magnitude_std`` adds normal noise, or ``'inf'`` draws uniformly in
``[0, magnitude_level]``).  Each applies with probability ``prob`` and, for
signed values, negates them with probability ``random_negative_prob``.
The presets live in :mod:`.auto_augment_policies`.
"""
from __future__ import annotations

import inspect
from abc import abstractmethod
from copy import deepcopy
from math import ceil
from numbers import Number
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from mmcls.registry import TRANSFORMS

from .auto_augment_policies import AUTOAUG_POLICIES, RANDAUG_POLICIES
from .base import BaseTransform, cache_randomness
from .geometric import imrotate, imshear, imtranslate
from .image_io import materialize
from .photometric import (adjust_brightness, adjust_color, adjust_contrast, adjust_sharpness,
                          auto_contrast, cutout_box, fill_box, imequalize, iminvert, posterize,
                          solarize, solarize_add)
from .wrappers import Compose, RandomChoice

__all__ = [
    'merge_hparams', 'AutoAugment', 'RandAugment', 'BaseAugTransform', 'Shear', 'Translate',
    'Rotate', 'AutoContrast', 'Invert', 'Equalize', 'Solarize', 'SolarizeAdd', 'Posterize',
    'Contrast', 'ColorTransform', 'Brightness', 'Sharpness', 'Cutout', 'GaussianBlur'
]


def merge_hparams(policy: dict, hparams: dict) -> dict:
    """Add the ``hparams`` entries that the policy's operation accepts and does not set."""
    policy = deepcopy(policy)
    op = TRANSFORMS.get(policy['type'])
    accepted = inspect.signature(op.__init__).parameters
    for key, value in hparams.items():
        if key in accepted and key not in policy:
            policy[key] = value
    return policy


def _pad_tuple(pad_val):
    return tuple(pad_val) if isinstance(pad_val, Sequence) else pad_val


@TRANSFORMS.register_module()
class AutoAugment(RandomChoice):
    """AutoAugment (Cubuk et al. 2018): apply one randomly chosen sub-policy.

    Args:
        policies: 'imagenet' or a list of sub-policies (lists of op configs).
        hparams: defaults merged into every op that accepts them.
    """

    def __init__(self, policies: Union[str, List[List[dict]]],
                 hparams: dict = dict(pad_val=128)):
        if isinstance(policies, str):
            if policies not in AUTOAUG_POLICIES:
                raise ValueError(f'AutoAugment: unknown policies {policies!r}; choose from '
                                 f'{list(AUTOAUG_POLICIES)}')
            policies = AUTOAUG_POLICIES[policies]
        self.hparams = hparams
        self.policies = [[merge_hparams(t, hparams) for t in sub] for sub in policies]
        super().__init__(transforms=self.policies)

    def __repr__(self) -> str:
        body = ''.join('\n    ' + ', \t'.join(t['type'] for t in sub) for sub in self.policies)
        return f'{type(self).__name__}(policies:{body}\n)'


@TRANSFORMS.register_module()
class RandAugment(BaseTransform):
    """RandAugment (Cubuk et al. 2019): apply ``num_policies`` ops drawn with replacement.

    Args:
        policies: 'timm_increasing' or a list of op configs; ops with a
            ``magnitude_range`` get the shared magnitude settings.
        num_policies: ops applied per image.
        magnitude_level: the shared magnitude level.
        magnitude_std: normal noise on the level, or 'inf' for uniform in [0, level].
        total_level: the level that maps to the end of each range.
        hparams: defaults merged into every op that accepts them.
    """

    def __init__(self, policies: Union[str, List[dict]], num_policies: int,
                 magnitude_level: Union[int, float], magnitude_std: Union[Number, str] = 0.,
                 total_level: Union[int, float] = 10, hparams: dict = dict(pad_val=128)):
        if isinstance(policies, str):
            if policies not in RANDAUG_POLICIES:
                raise ValueError(f'RandAugment: unknown policies {policies!r}; choose from '
                                 f'{list(RANDAUG_POLICIES)}')
            policies = RANDAUG_POLICIES[policies]
        if not all(isinstance(p, dict) and 'type' in p for p in policies):
            raise TypeError('RandAugment: policies must be a list of dicts with a "type"')
        if isinstance(magnitude_std, str) and magnitude_std != 'inf':
            raise ValueError(f'RandAugment: magnitude_std must be a number or "inf", got '
                             f'{magnitude_std!r}')
        if num_policies <= 0 or magnitude_level < 0 or total_level <= 0:
            raise ValueError('RandAugment: need num_policies > 0, magnitude_level >= 0 and '
                             'total_level > 0')
        self.num_policies = num_policies
        self.magnitude_level = magnitude_level
        self.magnitude_std = magnitude_std
        self.total_level = total_level
        self.hparams = hparams
        shared = dict(magnitude_level=magnitude_level, total_level=total_level,
                      magnitude_std=magnitude_std)
        self.policies = []
        for policy in policies:
            policy = merge_hparams(policy, hparams)
            policy.pop('magnitude_key', None)
            if 'magnitude_range' in policy:
                policy.update(shared)
            self.policies.append(policy)
        self.transforms = [TRANSFORMS.build(p) for p in self.policies]

    @cache_randomness
    def random_policy_indices(self) -> List[int]:
        """Draw the indices of the ops to apply (with replacement)."""
        return np.random.choice(len(self.policies), size=self.num_policies).tolist()

    def transform(self, results: Dict) -> Optional[Dict]:
        """Apply the drawn ops in order."""
        return Compose([self.transforms[i] for i in self.random_policy_indices()])(results)

    def __iter__(self):
        return iter(self.transforms)

    def __repr__(self) -> str:
        lines = ''
        for policy in self.policies:
            lines += f'\n    {policy["type"]}'
            if 'magnitude_range' in policy:
                lines += ' ({}, {})'.format(*policy['magnitude_range'])
        return (f'{type(self).__name__}(num_policies={self.num_policies}, magnitude_level='
                f'{self.magnitude_level}, total_level={self.total_level}, policies:{lines}\n)')


class BaseAugTransform(BaseTransform):
    """Base of the augmentation ops: probability, magnitude mapping and random sign.

    Args:
        magnitude_level: the level (``0..total_level``).
        magnitude_range: ``(val1, val2)`` mapped from level 0 to ``total_level``.
        magnitude_std: noise on the level (number) or 'inf' (uniform in [0, level]).
        total_level: the maximum level.
        prob: probability of applying the op.
        random_negative_prob: probability of negating the value.
    """

    def __init__(self, magnitude_level: Union[int, float] = 10,
                 magnitude_range: Optional[Tuple[float, float]] = None,
                 magnitude_std: Union[str, float] = 0., total_level: Union[int, float] = 10,
                 prob: float = 0.5, random_negative_prob: float = 0.5):
        if magnitude_range is not None and not (
                len(magnitude_range) == 2 and all(isinstance(v, Number) for v in magnitude_range)):
            raise ValueError(f'{type(self).__name__}: magnitude_range must be two numbers, got '
                             f'{magnitude_range!r}')
        self.magnitude_level = magnitude_level
        self.magnitude_range = magnitude_range
        self.magnitude_std = magnitude_std
        self.total_level = total_level
        self.prob = prob
        self.random_negative_prob = random_negative_prob

    def _check_exclusive(self, name: str, value) -> None:
        if (value is None) == (self.magnitude_range is None):
            raise ValueError(f'{type(self).__name__}: specify exactly one of `{name}` and '
                             '`magnitude_range`')

    @cache_randomness
    def random_disable(self) -> bool:
        """Whether to skip the op this time."""
        return np.random.rand() > self.prob

    @cache_randomness
    def random_magnitude(self) -> float:
        """The value mapped from the (possibly noisy) magnitude level."""
        level = self.magnitude_level
        if self.magnitude_std == 'inf':
            level = np.random.uniform(0, level)
        elif self.magnitude_std > 0:
            level = np.clip(np.random.normal(level, self.magnitude_std), 0, self.total_level)
        val1, val2 = self.magnitude_range
        return (level / self.total_level) * (val2 - val1) + val1

    @cache_randomness
    def random_negative(self, value: float) -> float:
        """Negate ``value`` with probability ``random_negative_prob``."""
        return -value if np.random.rand() < self.random_negative_prob else value

    def resolve(self, fixed, signed: bool = True) -> float:
        """The value to apply: ``fixed`` or one drawn from the range, maybe negated."""
        value = fixed if fixed is not None else self.random_magnitude()
        return self.random_negative(value) if signed else value

    @staticmethod
    def apply_image(results: Dict, img: np.ndarray) -> Dict:
        """Store the new image in ``results``."""
        results['img'] = img
        return results

    def extra_repr(self) -> str:
        """The magnitude settings, when a range is used."""
        if self.magnitude_range is None:
            return ''
        return (f', magnitude_level={self.magnitude_level}, magnitude_range='
                f'{self.magnitude_range}, magnitude_std={self.magnitude_std}, '
                f'total_level={self.total_level}')

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + self.extra_repr() + ')'


class _GeometricOp(BaseAugTransform):
    """Shared arguments of Shear and Translate."""

    value_name = 'magnitude'
    repr_fields = ('magnitude', 'pad_val', 'prob', 'direction', 'random_negative_prob',
                   'interpolation')

    def __init__(self, magnitude: Union[int, float, None] = None,
                 pad_val: Union[int, Sequence[int]] = 128, prob: float = 0.5,
                 direction: str = 'horizontal', random_negative_prob: float = 0.5,
                 interpolation: str = 'nearest', **kwargs):
        super().__init__(prob=prob, random_negative_prob=random_negative_prob, **kwargs)
        self._check_exclusive('magnitude', magnitude)
        if direction not in ('horizontal', 'vertical'):
            raise ValueError(f'{type(self).__name__}: direction must be "horizontal" or '
                             f'"vertical", got {direction!r}')
        self.magnitude = magnitude
        self.pad_val = _pad_tuple(pad_val)
        self.direction = direction
        self.interpolation = interpolation


@TRANSFORMS.register_module()
class Shear(_GeometricOp):
    """Shear by ``magnitude`` (x' = x + m * y horizontally). Default interpolation 'bicubic'."""

    def __init__(self, magnitude: Union[int, float, None] = None,
                 pad_val: Union[int, Sequence[int]] = 128, prob: float = 0.5,
                 direction: str = 'horizontal', random_negative_prob: float = 0.5,
                 interpolation: str = 'bicubic', **kwargs):
        super().__init__(magnitude, pad_val, prob, direction, random_negative_prob,
                         interpolation, **kwargs)

    def transform(self, results: Dict) -> Dict:
        """Shear the image."""
        if self.random_disable():
            return results
        magnitude = self.resolve(self.magnitude)
        img = materialize(results['img'])
        return self.apply_image(results, imshear(img, magnitude, self.direction, self.pad_val,
                                                 self.interpolation))


@TRANSFORMS.register_module()
class Translate(_GeometricOp):
    """Translate by ``magnitude`` times the width (or height): 1 moves the image out."""

    def transform(self, results: Dict) -> Dict:
        """Translate the image."""
        if self.random_disable():
            return results
        magnitude = self.resolve(self.magnitude)
        img = materialize(results['img'])
        height, width = img.shape[:2]
        offset = magnitude * (width if self.direction == 'horizontal' else height)
        return self.apply_image(results, imtranslate(img, offset, self.direction, self.pad_val,
                                                     self.interpolation))


@TRANSFORMS.register_module()
class Rotate(BaseAugTransform):
    """Rotate by ``angle`` degrees (positive: clockwise) around ``center``."""

    repr_fields = ('angle', 'center', 'scale', 'pad_val', 'prob', 'random_negative_prob',
                   'interpolation')

    def __init__(self, angle: Optional[float] = None, center: Optional[Tuple[float, float]] = None,
                 scale: float = 1.0, pad_val: Union[int, Sequence[int]] = 128, prob: float = 0.5,
                 random_negative_prob: float = 0.5, interpolation: str = 'nearest', **kwargs):
        super().__init__(prob=prob, random_negative_prob=random_negative_prob, **kwargs)
        self._check_exclusive('angle', angle)
        self.angle = angle
        self.center = center
        self.scale = scale
        self.pad_val = _pad_tuple(pad_val)
        self.interpolation = interpolation

    def transform(self, results: Dict) -> Dict:
        """Rotate the image."""
        if self.random_disable():
            return results
        angle = self.resolve(self.angle)
        img = materialize(results['img'])
        return self.apply_image(results, imrotate(img, angle, self.center, self.scale,
                                                  self.pad_val, self.interpolation))


class _PixelOp(BaseAugTransform):
    """An op without a magnitude (AutoContrast, Invert, Equalize)."""

    repr_fields = ('prob', )

    def __init__(self, prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, **kwargs)

    @abstractmethod
    def op(self, img: np.ndarray) -> np.ndarray:
        """The pixel operation."""

    def extra_repr(self) -> str:
        """Nothing: the op has no magnitude, so magnitude settings are not shown."""
        return ''

    def transform(self, results: Dict) -> Dict:
        """Apply the op."""
        if self.random_disable():
            return results
        return self.apply_image(results, self.op(materialize(results['img'])))


@TRANSFORMS.register_module()
class AutoContrast(_PixelOp):
    """Stretch each channel to the full [0, 255] range."""

    def op(self, img: np.ndarray) -> np.ndarray:
        return auto_contrast(img)


@TRANSFORMS.register_module()
class Invert(_PixelOp):
    """``255 - img``."""

    def op(self, img: np.ndarray) -> np.ndarray:
        return iminvert(img)


@TRANSFORMS.register_module()
class Equalize(_PixelOp):
    """Equalise each channel's histogram."""

    def op(self, img: np.ndarray) -> np.ndarray:
        return imequalize(img)


@TRANSFORMS.register_module()
class Solarize(BaseAugTransform):
    """Invert pixels >= ``thr`` (never negated)."""

    repr_fields = ('thr', 'prob')

    def __init__(self, thr: Union[int, float, None] = None, prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, random_negative_prob=0., **kwargs)
        self._check_exclusive('thr', thr)
        self.thr = thr

    def transform(self, results: Dict) -> Dict:
        """Solarize the image."""
        if self.random_disable():
            return results
        thr = self.resolve(self.thr, signed=False)
        return self.apply_image(results, solarize(materialize(results['img']), thr))


@TRANSFORMS.register_module()
class SolarizeAdd(BaseAugTransform):
    """Add ``magnitude`` (clipped at 255) to pixels below ``thr``."""

    repr_fields = ('magnitude', 'thr', 'prob')

    def __init__(self, magnitude: Union[int, float, None] = None, thr: Union[int, float] = 128,
                 prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, random_negative_prob=0., **kwargs)
        self._check_exclusive('magnitude', magnitude)
        if not isinstance(thr, (int, float)):
            raise TypeError(f'SolarizeAdd: thr must be int or float, got {type(thr).__name__}')
        self.magnitude = magnitude
        self.thr = thr

    def transform(self, results: Dict) -> Dict:
        """Apply SolarizeAdd."""
        if self.random_disable():
            return results
        magnitude = self.resolve(self.magnitude, signed=False)
        return self.apply_image(results, solarize_add(materialize(results['img']), magnitude,
                                                      self.thr))


@TRANSFORMS.register_module()
class Posterize(BaseAugTransform):
    """Keep ``bits`` bits per channel (a drawn value is rounded up, as timm does)."""

    repr_fields = ('bits', 'prob')

    def __init__(self, bits: Optional[int] = None, prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, random_negative_prob=0., **kwargs)
        self._check_exclusive('bits', bits)
        if bits is not None and bits > 8:
            raise ValueError(f'Posterize: bits must be <= 8, got {bits}')
        self.bits = bits

    def transform(self, results: Dict) -> Dict:
        """Posterize the image."""
        if self.random_disable():
            return results
        bits = ceil(self.resolve(self.bits, signed=False))
        return self.apply_image(results, posterize(materialize(results['img']), bits))


class _EnhanceOp(BaseAugTransform):
    """Contrast/ColorTransform/Brightness/Sharpness: a PIL-style blend with factor 1 + m."""

    repr_fields = ('magnitude', 'prob', 'random_negative_prob')

    def __init__(self, magnitude: Union[int, float, None] = None, prob: float = 0.5,
                 random_negative_prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, random_negative_prob=random_negative_prob, **kwargs)
        self._check_exclusive('magnitude', magnitude)
        self.magnitude = magnitude

    @abstractmethod
    def op(self, img: np.ndarray, factor: float) -> np.ndarray:
        """Blend ``img`` with its degenerate image at ``factor``."""

    def transform(self, results: Dict) -> Dict:
        """Blend with the degenerate image."""
        if self.random_disable():
            return results
        magnitude = self.resolve(self.magnitude)
        return self.apply_image(results, self.op(materialize(results['img']), 1 + magnitude))


@TRANSFORMS.register_module()
class Contrast(_EnhanceOp):
    """Adjust contrast: positive magnitudes enhance, negative ones grey out."""

    def op(self, img: np.ndarray, factor: float) -> np.ndarray:
        return adjust_contrast(img, factor)


@TRANSFORMS.register_module()
class ColorTransform(_EnhanceOp):
    """Adjust colour saturation."""

    def op(self, img: np.ndarray, factor: float) -> np.ndarray:
        return adjust_color(img, alpha=factor)


@TRANSFORMS.register_module()
class Brightness(_EnhanceOp):
    """Adjust brightness."""

    def op(self, img: np.ndarray, factor: float) -> np.ndarray:
        return adjust_brightness(img, factor)


@TRANSFORMS.register_module()
class Sharpness(_EnhanceOp):
    """Adjust sharpness."""

    def op(self, img: np.ndarray, factor: float) -> np.ndarray:
        return adjust_sharpness(img, factor)


@TRANSFORMS.register_module()
class Cutout(BaseAugTransform):
    """Fill a ``shape=(h, w)`` (or square) box at a random centre with ``pad_val``."""

    repr_fields = ('shape', 'pad_val', 'prob')

    def __init__(self, shape: Union[int, Tuple[int, int], None] = None,
                 pad_val: Union[int, Sequence[int]] = 128, prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, random_negative_prob=0., **kwargs)
        self._check_exclusive('shape', shape)
        self.shape = shape
        self.pad_val = _pad_tuple(pad_val)

    @cache_randomness
    def random_center(self, h: int, w: int) -> Tuple[float, float]:
        """Draw the box centre ``(x, y)``."""
        y = np.random.uniform(h)
        x = np.random.uniform(w)
        return x, y

    def transform(self, results: Dict) -> Dict:
        """Cut a box out."""
        if self.random_disable():
            return results
        shape = self.shape if self.shape is not None else int(self.random_magnitude())
        img = materialize(results['img'])
        box = cutout_box(img.shape[:2], shape, self.random_center(*img.shape[:2]))
        return self.apply_image(results, fill_box(img, box, self.pad_val))


@TRANSFORMS.register_module()
class GaussianBlur(BaseAugTransform):
    """Gaussian blur with standard deviation ``radius`` (as ``PIL.ImageFilter.GaussianBlur``)."""

    repr_fields = ('radius', 'prob')

    def __init__(self, radius: Union[int, float, None] = None, prob: float = 0.5, **kwargs):
        super().__init__(prob=prob, random_negative_prob=0., **kwargs)
        self._check_exclusive('radius', radius)
        self.radius = radius

    def transform(self, results: Dict) -> Dict:
        """Blur the image."""
        if self.random_disable():
            return results
        radius = float(self.resolve(self.radius, signed=False))
        img = materialize(results['img'])
        if radius <= 0:
            return results
        blurred = cv2.GaussianBlur(img, (0, 0), sigmaX=radius, sigmaY=radius,
                                   borderType=cv2.BORDER_REPLICATE)
        if img.ndim == 3 and blurred.ndim == 2:
            blurred = blurred[..., None]
        return self.apply_image(results, blurred)
