"""Preset policies of AutoAugment ('imagenet') and RandAugment ('timm_increasing').

These are the MMClassification 1.x presets: the ImageNet AutoAugment policy
(Cubuk et al. 2018, with magnitudes converted from the paper's 10-level
scale) and timm's ``_RAND_INCREASING_TRANSFORMS`` set for RandAugment, where
every magnitude grows with the level.
"""
from __future__ import annotations

from typing import Dict, List

__all__ = ['AUTOAUG_POLICIES', 'RANDAUG_POLICIES']


def _op(type_name: str, prob: float, **kwargs) -> dict:
    return dict(type=type_name, prob=prob, **kwargs)


def _posterize(bits: int, prob: float) -> dict:
    return _op('Posterize', prob, bits=bits)


def _rotate(angle: float, prob: float) -> dict:
    return _op('Rotate', prob, angle=angle)


def _solarize(thr: float, prob: float) -> dict:
    return _op('Solarize', prob, thr=thr)


def _equalize(prob: float) -> dict:
    return _op('Equalize', prob)


def _color(magnitude: float, prob: float) -> dict:
    return _op('ColorTransform', prob, magnitude=magnitude)


def _imagenet_autoaugment() -> List[List[dict]]:
    """The 25 sub-policies; magnitudes are the paper's levels mapped to op values."""
    return [
        [_posterize(4, 0.4), _rotate(30., 0.6)],
        [_solarize(256 / 9 * 4, 0.6), _op('AutoContrast', 0.6)],
        [_equalize(0.8), _equalize(0.6)],
        [_posterize(5, 0.6), _posterize(5, 0.6)],
        [_equalize(0.4), _solarize(256 / 9 * 5, 0.2)],
        [_equalize(0.4), _rotate(30 / 9 * 8, 0.8)],
        [_solarize(256 / 9 * 6, 0.6), _equalize(0.6)],
        [_posterize(6, 0.8), _equalize(1.)],
        [_rotate(10., 0.2), _solarize(256 / 9, 0.6)],
        [_equalize(0.6), _posterize(5, 0.4)],
        [_rotate(30 / 9 * 8, 0.8), _color(0., 0.4)],
        [_rotate(30., 0.4), _equalize(0.6)],
        [_equalize(0.0), _equalize(0.8)],
        [_op('Invert', 0.6), _equalize(1.)],
        [_color(0.4, 0.6), _op('Contrast', 1., magnitude=0.8)],
        [_rotate(30 / 9 * 8, 0.8), _color(0.2, 1.)],
        [_color(0.8, 0.8), _solarize(256 / 9 * 2, 0.8)],
        [_op('Sharpness', 0.4, magnitude=0.7), _op('Invert', 0.6)],
        [_op('Shear', 0.6, magnitude=0.3 / 9 * 5, direction='horizontal'), _equalize(1.)],
        [_color(0., 0.4), _equalize(0.6)],
        [_equalize(0.4), _solarize(256 / 9 * 5, 0.2)],
        [_solarize(256 / 9 * 4, 0.6), _op('AutoContrast', 0.6)],
        [_op('Invert', 0.6), _equalize(1.)],
        [_color(0.4, 0.6), _op('Contrast', 1., magnitude=0.8)],
        [_equalize(0.8), _equalize(0.6)],
    ]


def _timm_increasing() -> List[dict]:
    return [
        dict(type='AutoContrast'),
        dict(type='Equalize'),
        dict(type='Invert'),
        dict(type='Rotate', magnitude_range=(0, 30)),
        dict(type='Posterize', magnitude_range=(4, 0)),
        dict(type='Solarize', magnitude_range=(256, 0)),
        dict(type='SolarizeAdd', magnitude_range=(0, 110)),
        dict(type='ColorTransform', magnitude_range=(0, 0.9)),
        dict(type='Contrast', magnitude_range=(0, 0.9)),
        dict(type='Brightness', magnitude_range=(0, 0.9)),
        dict(type='Sharpness', magnitude_range=(0, 0.9)),
        dict(type='Shear', magnitude_range=(0, 0.3), direction='horizontal'),
        dict(type='Shear', magnitude_range=(0, 0.3), direction='vertical'),
        dict(type='Translate', magnitude_range=(0, 0.45), direction='horizontal'),
        dict(type='Translate', magnitude_range=(0, 0.45), direction='vertical'),
    ]


AUTOAUG_POLICIES: Dict[str, List[List[dict]]] = {'imagenet': _imagenet_autoaugment()}
RANDAUG_POLICIES: Dict[str, List[dict]] = {'timm_increasing': _timm_increasing()}
