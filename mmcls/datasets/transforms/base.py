"""``BaseTransform`` and the randomness cache used to share random parameters.

A transform maps a results dict to a results dict (or None to drop the
sample).  Methods that draw random parameters are decorated with
:func:`cache_randomness`; inside :func:`cache_random_params` every such method
returns the value drawn at its first call, which lets
``TransformBroadcaster(share_random_params=True)`` apply one random crop to
several images.
"""
from __future__ import annotations

import functools
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, Optional, Tuple

__all__ = ['BaseTransform', 'cache_randomness', 'cache_random_params']


class BaseTransform(metaclass=ABCMeta):
    """Base class of data transforms: ``transform(results) -> dict | None``.

    Subclasses document their required, modified and added keys.  Class
    attribute ``accepts_lazy_image`` is True for transforms that can take a
    :class:`~mmcls.datasets.transforms.image_io.LazyImage` as ``results['img']``
    (see :class:`~mmcls.datasets.transforms.wrappers.Compose`).  The repr lists
    the attributes named in ``repr_fields`` as ``Name(a=1, b=2)``.
    """

    accepts_lazy_image = False
    repr_fields: Tuple[str, ...] = ()

    def __call__(self, results: Dict) -> Optional[Dict]:
        return self.transform(results)

    @abstractmethod
    def transform(self, results: Dict) -> Optional[Dict]:
        """Apply the transform to ``results`` and return it (None drops the sample)."""

    def __repr__(self) -> str:
        fields = ', '.join(f'{name}={getattr(self, name)}' for name in self.repr_fields)
        return f'{type(self).__name__}({fields})'


_CACHE_ATTR = '_random_cache'


def cache_randomness(method: Callable) -> Callable:
    """Mark a method that draws random parameters so its result can be cached.

    Outside :func:`cache_random_params` the method runs normally.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        cache = getattr(self, _CACHE_ATTR, None)
        if cache is None:
            return method(self, *args, **kwargs)
        if method.__name__ not in cache:
            cache[method.__name__] = method(self, *args, **kwargs)
        return cache[method.__name__]

    wrapper._cache_randomness = True  # type: ignore[attr-defined]
    return wrapper


def _iter_transforms(transforms) -> Iterator[object]:
    """Yield ``transforms`` and every transform nested in it (``.transforms`` lists)."""
    if isinstance(transforms, (list, tuple)):
        for item in transforms:
            yield from _iter_transforms(item)
        return
    yield transforms
    nested = getattr(transforms, 'transforms', None)
    if isinstance(nested, (list, tuple)):
        yield from _iter_transforms(nested)


@contextmanager
def cache_random_params(transforms: Iterable) -> Iterator[None]:
    """Within this context, each random method of ``transforms`` draws once and repeats."""
    touched = []
    for transform in _iter_transforms(transforms):
        if isinstance(transform, BaseTransform) and getattr(transform, _CACHE_ATTR, None) is None:
            setattr(transform, _CACHE_ATTR, {})
            touched.append(transform)
    try:
        yield
    finally:
        for transform in touched:
            setattr(transform, _CACHE_ATTR, None)
