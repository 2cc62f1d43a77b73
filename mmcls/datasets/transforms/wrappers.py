"""Transform wrappers: Compose, RandomApply, RandomChoice, KeyMapper, TransformBroadcaster,
TestTimeAug.

:class:`Compose` also runs the deferred-decoding protocol: a
``LoadImageFromFile`` directly followed by a transform with
``accepts_lazy_image = True`` leaves a JPEG encoded (a :class:`LazyImage`),
and any other transform receives decoded pixels, so user transforms never see
a LazyImage.
"""
from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import numpy as np

from mmcls.registry import TRANSFORMS

from .base import BaseTransform, cache_random_params, cache_randomness
from .image_io import LazyImage

__all__ = ['Compose', 'RandomApply', 'RandomChoice', 'KeyMapper', 'TransformBroadcaster',
           'TestTimeAug']

TransformLike = Union[dict, Callable]


def _build(transform: TransformLike) -> Callable:
    if isinstance(transform, dict):
        return TRANSFORMS.build(transform)
    if callable(transform):
        return transform
    raise TypeError(f'a transform must be a config dict or a callable, got {transform!r}')


def _materialize(results: Dict) -> None:
    img = results.get('img')
    if isinstance(img, LazyImage):
        results['img'] = img.decode()


@TRANSFORMS.register_module()
class Compose(BaseTransform):
    """Apply transforms in order; a transform returning None drops the sample (returns None).

    Args:
        transforms: config dicts or callables (a single one is accepted too).
    """

    def __init__(self, transforms: Union[TransformLike, Sequence[TransformLike], None]):
        if transforms is None:
            transforms = []
        elif not isinstance(transforms, (list, tuple)):
            transforms = [transforms]
        self.transforms: List[Callable] = [_build(t) for t in transforms]
        self._defer = [self._can_defer(i) for i in range(len(self.transforms))]

    def _can_defer(self, index: int) -> bool:
        """A loader may defer decoding when the next transform takes a LazyImage."""
        current = self.transforms[index]
        following = self.transforms[index + 1] if index + 1 < len(self.transforms) else None
        return (getattr(current, 'can_defer_decode', False) and hasattr(current, 'load')
                and getattr(following, 'accepts_lazy_image', False))

    def transform(self, results: Dict) -> Optional[Dict]:
        """Run every transform; stop and return None when one returns None."""
        # whether results['img'] may be a LazyImage: given one, or after a deferring loader
        lazy = isinstance(results.get('img'), LazyImage)
        for transform, defer in zip(self.transforms, self._defer):
            if lazy and not getattr(transform, 'accepts_lazy_image', False):
                _materialize(results)
            if defer:
                results, lazy = transform.load(results, defer_decode=True), True
            else:
                results = transform(results)
            if results is None:
                return None
        if lazy:
            _materialize(results)
        return results

    def __iter__(self) -> Iterator[Callable]:
        return iter(self.transforms)

    def __len__(self) -> int:
        return len(self.transforms)

    def __getitem__(self, index: int) -> Callable:
        return self.transforms[index]

    def __repr__(self) -> str:
        body = ''.join(f'\n    {t}' for t in self.transforms)
        return f'{type(self).__name__}({body}\n)'


@TRANSFORMS.register_module()
class RandomApply(BaseTransform):
    """Apply ``transforms`` (as a Compose) with probability ``prob``."""

    repr_fields = ('transforms', 'prob')

    def __init__(self, transforms: Union[TransformLike, Sequence[TransformLike]],
                 prob: float = 0.5):
        if not 0 <= prob <= 1:
            raise ValueError(f'RandomApply: prob {prob} must be in [0, 1]')
        self.prob = prob
        self.transforms = Compose(transforms)

    @cache_randomness
    def random_apply(self) -> bool:
        """Whether to apply the transforms this time."""
        return np.random.rand() < self.prob

    def transform(self, results: Dict) -> Optional[Dict]:
        """Apply the wrapped transforms or return ``results`` unchanged."""
        return self.transforms(results) if self.random_apply() else results

    def __iter__(self):
        return iter(self.transforms)


@TRANSFORMS.register_module()
class RandomChoice(BaseTransform):
    """Apply one of several sub-pipelines, chosen with probabilities ``prob`` (uniform by default).

    Args:
        transforms: a list whose items are sub-pipelines (a list of
            transforms) or single transforms.
        prob: one probability per sub-pipeline, summing to 1.
    """

    repr_fields = ('transforms', 'prob')

    def __init__(self, transforms: Sequence[Union[TransformLike, Sequence[TransformLike]]],
                 prob: Optional[Sequence[float]] = None):
        if not isinstance(transforms, (list, tuple)) or not transforms:
            raise ValueError('RandomChoice: transforms must be a non-empty list')
        if prob is not None:
            if len(prob) != len(transforms):
                raise ValueError(f'RandomChoice: {len(prob)} probabilities for '
                                 f'{len(transforms)} sub-pipelines')
            if not np.isclose(sum(prob), 1.0):
                raise ValueError(f'RandomChoice: probabilities {list(prob)} must sum to 1')
        self.prob = None if prob is None else list(prob)
        self.transforms = [Compose(t) for t in transforms]

    @cache_randomness
    def random_pipeline_index(self) -> int:
        """Draw the index of the sub-pipeline to apply."""
        return int(np.random.choice(len(self.transforms), p=self.prob))

    def transform(self, results: Dict) -> Optional[Dict]:
        """Apply the chosen sub-pipeline."""
        return self.transforms[self.random_pipeline_index()](results)

    def __iter__(self):
        return iter(self.transforms)


class _Missing:
    """Placeholder for an outer key that is absent (with ``allow_nonexist_keys``)."""


_MISSING = _Missing()


@TRANSFORMS.register_module()
class KeyMapper(BaseTransform):
    """Run ``transforms`` on renamed keys, then write the outputs back.

    ``mapping={'img': 'gt_img'}`` makes the inner transforms see
    ``results['gt_img']`` as ``img``; a value may be a key, a list/tuple/dict
    of keys, or ``...`` to hide the inner key.  ``remapping`` maps the inner
    outputs back to outer keys (same format); by default (``auto_remap``) it
    is ``mapping``.  Inner output keys that are not remapped are copied as is.

    Args:
        transforms: the wrapped transforms (None: identity).
        mapping: inner key -> outer key(s).
        remapping: inner key -> outer key(s) for the outputs.
        auto_remap: use ``mapping`` as ``remapping``; defaults to True when
            ``remapping`` is None.
        allow_nonexist_keys: skip mapped outer keys that are absent instead of
            raising KeyError.
    """

    repr_fields = ('transforms', 'mapping', 'remapping', 'auto_remap', 'allow_nonexist_keys')

    def __init__(self, transforms: Union[TransformLike, Sequence[TransformLike], None] = None,
                 mapping: Optional[Dict] = None, remapping: Optional[Dict] = None,
                 auto_remap: Optional[bool] = None, allow_nonexist_keys: bool = False):
        if auto_remap is None:
            auto_remap = remapping is None
        if auto_remap and remapping is not None:
            raise ValueError(f'{type(self).__name__}: remapping must be None when auto_remap '
                             'is True')
        self.transforms = Compose(transforms)
        self.mapping = mapping
        self.remapping = mapping if auto_remap else remapping
        self.auto_remap = auto_remap
        self.allow_nonexist_keys = allow_nonexist_keys

    def _gather(self, data: Dict, spec):
        if isinstance(spec, dict):
            return {k: self._gather(data, v) for k, v in spec.items()}
        if isinstance(spec, (list, tuple)):
            return type(spec)(self._gather(data, v) for v in spec)
        if spec not in data:
            if self.allow_nonexist_keys:
                return _MISSING
            raise KeyError(f'{type(self).__name__}: key {spec!r} of the mapping is not in the '
                           f'results (keys: {sorted(data)})')
        return data[spec]

    def _scatter(self, out: Dict, spec, value) -> None:
        if value is _MISSING or spec is Ellipsis:
            return
        if isinstance(spec, dict):
            for key, sub in spec.items():
                self._scatter(out, sub, value[key])
        elif isinstance(spec, (list, tuple)):
            for sub, item in zip(spec, value):
                self._scatter(out, sub, item)
        else:
            out[spec] = value

    def map_input(self, data: Dict, mapping: Optional[Dict]) -> Dict:
        """Build the inner results dict."""
        inputs = data.copy()
        for inner_key, spec in (mapping or {}).items():
            value = _MISSING if spec is Ellipsis else self._gather(data, spec)
            if value is _MISSING:
                inputs.pop(inner_key, None)
            else:
                inputs[inner_key] = value
        return inputs

    def map_output(self, data: Dict, remapping: Optional[Dict]) -> Dict:
        """Rename the inner outputs back to outer keys."""
        if remapping is None:
            return data.copy()
        outputs = {k: v for k, v in data.items() if k not in remapping}
        for inner_key, spec in remapping.items():
            if spec is Ellipsis:
                continue
            if inner_key not in data:
                if self.allow_nonexist_keys:
                    continue
                raise KeyError(f'{type(self).__name__}: inner output key {inner_key!r} is missing')
            self._scatter(outputs, spec, data[inner_key])
        return outputs

    def transform(self, results: Dict) -> Optional[Dict]:
        """Map, transform, remap."""
        outputs = self.transforms(self.map_input(results, self.mapping))
        if outputs is None:
            return None
        results.update(self.map_output(outputs, self.remapping))
        return results


@TRANSFORMS.register_module()
class TransformBroadcaster(KeyMapper):
    """Apply the same transforms to several inputs, e.g. ``mapping={'img': ['img', 'img2']}``.

    Each mapped value is a list of outer keys (all lists of equal length);
    the transforms run once per position.  With ``share_random_params`` every
    position uses the random parameters drawn for the first one.
    """

    repr_fields = KeyMapper.repr_fields + ('share_random_params', )

    def __init__(self, transforms, mapping: Optional[Dict] = None,
                 remapping: Optional[Dict] = None, auto_remap: Optional[bool] = None,
                 allow_nonexist_keys: bool = False, share_random_params: bool = False):
        super().__init__(transforms, mapping, remapping, auto_remap, allow_nonexist_keys)
        self.share_random_params = share_random_params

    def _split(self, data: Dict) -> List[Dict]:
        """One inner dict per position of the list-mapped keys."""
        split_keys = [k for k, spec in (self.mapping or {}).items()
                      if isinstance(spec, (list, tuple)) and k in data]
        lengths = {len(data[k]) for k in split_keys}
        if len(lengths) != 1:
            raise ValueError('TransformBroadcaster: the mapping must give lists of outer keys of '
                             f'one common length, got lengths {sorted(lengths)}')
        count = lengths.pop()
        return [{k: (v[i] if k in split_keys else v) for k, v in data.items()}
                for i in range(count)]

    def transform(self, results: Dict) -> Optional[Dict]:
        """Scatter, transform each, gather."""
        scattered = self._split(self.map_input(results, self.mapping))
        outputs = []
        if self.share_random_params:
            with cache_random_params(self.transforms):
                for item in scattered:
                    outputs.append(self.transforms(item))
        else:
            outputs = [self.transforms(item) for item in scattered]
        if any(out is None for out in outputs):
            return None
        gathered = dict(outputs[0])
        for key in (self.remapping or {}):
            if all(key in out for out in outputs):
                gathered[key] = [out[key] for out in outputs]
        results.update(self.map_output(gathered, self.remapping))
        return results


@TRANSFORMS.register_module()
class TestTimeAug(BaseTransform):
    """Test-time augmentation: one output per combination of the given transform choices.

    ``transforms`` is a list of stages, each a list of alternatives; every combination (one
    alternative per stage, in stage order) runs on its own copy of the input.  The result maps
    each key to the list of its values over the combinations, e.g. with
    ``[[RandomFlip(prob=1.), RandomFlip(prob=0.)], [PackClsInputs()]]`` it is
    ``{'inputs': [flipped, original], 'data_samples': [s0, s1]}``; the TTA model
    (``AverageClsScoreTTA``) predicts each view and merges them.

    Args:
        transforms: the stages, each a list of transform configs or callables.
        allow_empty: let a combination drop the sample (return None) instead of raising.
    """

    def __init__(self, transforms: Sequence[Sequence[TransformLike]], allow_empty: bool = False):
        if not isinstance(transforms, (list, tuple)) or not transforms or not all(
                isinstance(stage, (list, tuple)) and stage for stage in transforms):
            raise TypeError('TestTimeAug: transforms must be a non-empty list of non-empty lists '
                            f'of transforms, got {transforms!r}')
        self.subroutines = [Compose(list(combo)) for combo in itertools.product(*transforms)]
        self.allow_empty = allow_empty

    def transform(self, results: Dict) -> Optional[Dict]:
        outputs = defaultdict(list)
        for subroutine in self.subroutines:
            view = subroutine(copy.deepcopy(results))
            if view is None:
                if self.allow_empty:
                    continue
                raise ValueError('TestTimeAug: an augmentation dropped the sample; pass '
                                 'allow_empty=True to allow it')
            for key, value in view.items():
                outputs[key].append(value)
        return dict(outputs) if outputs else None

    def __repr__(self) -> str:
        return f'{type(self).__name__}({len(self.subroutines)} combinations)'
