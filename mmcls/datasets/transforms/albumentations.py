"""Wrapper running transforms of the optional ``albumentations`` library."""
from __future__ import annotations

import importlib
import inspect
from typing import Dict, List, Optional

from mmcls.registry import TRANSFORMS

from .base import BaseTransform
from .image_io import materialize

__all__ = ['Albumentations']


def _import_albumentations():
    try:
        return importlib.import_module('albumentations')
    except ImportError as err:
        raise ImportError('the Albumentations transform needs the albumentations package: '
                          'install it with `pip install mmcls[albu]` (or '
                          '`pip install albumentations`)') from err


@TRANSFORMS.register_module(['Albumentations', 'Albu'])
class Albumentations(BaseTransform):
    """Run albumentations transforms given as config dicts.

    **Required Keys:** ``img``.  **Modified Keys:** ``img``, ``img_shape``.

    Args:
        transforms: albumentations transform configs; ``type`` names a class of
            the ``albumentations`` module (or is a class), and nested
            ``transforms`` lists (e.g. in ``OneOf``) are built recursively.
        keymap: mapping from mmcls keys to albumentations keys; defaults to
            ``{'img': 'image'}``.
    """

    def __init__(self, transforms: List[Dict], keymap: Optional[Dict] = None):
        if not isinstance(transforms, list):
            raise TypeError(f'Albumentations: transforms must be a list, got {type(transforms)}')
        if keymap is not None and not isinstance(keymap, dict):
            raise TypeError('Albumentations: keymap must be None or a dict')
        self._albu = _import_albumentations()
        self.transforms = transforms
        self.aug = self._albu.Compose([self.albu_builder(t) for t in transforms])
        self.keymap_to_albu = keymap or {'img': 'image'}
        self.keymap_back = {v: k for k, v in self.keymap_to_albu.items()}

    def albu_builder(self, cfg: Dict):
        """Build one albumentations transform from its config."""
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise ValueError(f'Albumentations: each transform must be a dict with "type", got '
                             f'{cfg!r}')
        args = dict(cfg)
        obj_type = args.pop('type')
        if isinstance(obj_type, str):
            if not hasattr(self._albu, obj_type):
                raise KeyError(f'Albumentations: albumentations has no transform {obj_type!r}')
            obj_cls = getattr(self._albu, obj_type)
        elif inspect.isclass(obj_type):
            obj_cls = obj_type
        else:
            raise TypeError(f'Albumentations: type must be a str or a class, got {obj_type!r}')
        if 'transforms' in args:
            args['transforms'] = [self.albu_builder(t) for t in args['transforms']]
        return obj_cls(**args)

    @staticmethod
    def mapper(data: Dict, keymap: Dict) -> Dict:
        """Rename the keys of ``data`` with ``keymap`` (others kept)."""
        return {keymap.get(k, k): v for k, v in data.items()}

    def transform(self, results: Dict) -> Dict:
        """Run the albumentations pipeline on the image."""
        if 'img' not in results:
            raise KeyError('Albumentations needs "img" in the results')
        results['img'] = materialize(results['img'])
        albu_results = self.aug(**self.mapper(results, self.keymap_to_albu))
        results = self.mapper(albu_results, self.keymap_back)
        results['img_shape'] = results['img'].shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(transforms={self.transforms!r})'
