"""Formatting transforms: pack a results dict into model inputs and data samples."""
from __future__ import annotations

import warnings
from abc import abstractmethod
from numbers import Number
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from PIL import Image

from mmcls.registry import TRANSFORMS
from mmcls.structures import ClsDataSample, MultiTaskDataSample

from .base import BaseTransform
from .image_io import materialize

__all__ = [
    'to_tensor', 'image_to_chw_tensor', 'PackClsInputs', 'PackMultiTaskInputs',
    'Collect', 'ToNumpy', 'ToPIL', 'Transpose', 'ImageToTensor', 'ToTensor'
]


def to_tensor(data) -> torch.Tensor:
    """Convert an ndarray (shared memory when possible), sequence, int or float to a tensor."""
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, np.ndarray):
        if not data.flags.writeable:
            data = data.copy()
        return torch.from_numpy(data)
    if isinstance(data, Sequence) and not isinstance(data, str):
        return torch.tensor(data)
    if isinstance(data, bool):
        return torch.tensor([data])
    if isinstance(data, int):
        return torch.LongTensor([data])
    if isinstance(data, float):
        return torch.FloatTensor([data])
    raise TypeError(f'type {type(data).__name__} cannot be converted to a tensor')


def _rows_are_dense(img: np.ndarray) -> bool:
    """Whether each row of an HWC array is one dense run of bytes with a positive row step."""
    row_step, pixel_step, channel_step = img.strides
    return (channel_step == img.itemsize and pixel_step == img.shape[2] * img.itemsize
            and row_step > 0)


def image_to_chw_tensor(img: np.ndarray) -> torch.Tensor:
    """HWC (or HW) ndarray -> CHW tensor, without copying pixels where the layout allows.

    A multi-channel image becomes a CHW *view* of its HWC memory (channels-last
    strides, ``stride(0) == 1``): no transposing copy per image.  The collate
    functions and the data preprocessor keep that layout, and the one copy into
    NCHW (or NHWC with ``channels_last``) order happens when the batch becomes
    float on its device.  Arrays whose rows are not dense in memory (a flipped
    or strided view) are copied into an HWC array first; a crop's view is not.
    """
    if img.ndim == 2:
        return to_tensor(np.ascontiguousarray(img[None]))  # 1 x H x W: a view if contiguous
    if not _rows_are_dense(img):
        img = np.ascontiguousarray(img)
    return to_tensor(img).permute(2, 0, 1)


def _as_given(keys: Sequence) -> Sequence:
    """``keys`` itself when a list or tuple (kept as the user wrote it, so that reprs and
    attributes show it unchanged), else a tuple of its items."""
    return keys if isinstance(keys, (list, tuple)) else tuple(keys)


@TRANSFORMS.register_module()
class PackClsInputs(BaseTransform):
    """Pack the image and labels: ``dict(inputs=CHW tensor, data_samples=ClsDataSample)``.

    ``inputs`` shares the image's memory (see :func:`image_to_chw_tensor`).

    **Required Keys:** ``img`` (warns when absent); optional ``gt_label``
    (int, or list/array for multi-label), ``gt_score`` and the ``meta_keys``.
    **Added Keys:** ``inputs``, ``data_samples``.

    Args:
        meta_keys: keys copied into the data sample's metainfo when present.
    """

    repr_fields = ('meta_keys', )

    def __init__(self, meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'ori_shape',
                                                   'img_shape', 'scale_factor', 'flip',
                                                   'flip_direction')):
        self.meta_keys = _as_given(meta_keys)

    def transform(self, results: Dict) -> Dict:
        """Pack ``results``."""
        packed = {}
        if 'img' in results:
            packed['inputs'] = image_to_chw_tensor(materialize(results['img']))
        else:
            warnings.warn('Cannot get "img" in the input dict of `PackClsInputs`; add '
                          '`LoadImageFromFile` to the pipeline or load images in the dataset.')
        packed['data_samples'] = self.pack_sample(results)
        return packed

    def pack_sample(self, results: Dict) -> ClsDataSample:
        """The ``ClsDataSample`` of ``results``: labels, scores and meta keys."""
        sample = ClsDataSample()
        if results.get('gt_label') is not None:
            sample.set_gt_label(results['gt_label'])
        if results.get('gt_score') is not None:
            sample.set_gt_score(results['gt_score'])
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return sample


@TRANSFORMS.register_module()
class PackMultiTaskInputs(BaseTransform):
    """Pack inputs for multi-task models: one ``ClsDataSample`` per task.

    ``results[field]`` (for each of ``multi_task_fields``) is a dict mapping
    task names to that task's value, e.g. ``gt_label=dict(task1=1, task2=3)``.
    The output's ``data_samples`` is a ``MultiTaskDataSample`` with one field per
    task, each a ``ClsDataSample`` packed by ``task_handlers[task]``
    (default: ``PackClsInputs``), and the shared metainfo.

    Args:
        task_handlers: task name -> packing transform: a config dict, or a type name built
            with ``meta_keys``.
        multi_task_fields: the per-task fields of ``results``.
        meta_keys: keys copied into the metainfo of the multi-task sample and of every task's
            sample (by the default ``PackClsInputs`` handler).
        input_key: the image key.
    """

    def __init__(self, task_handlers: Optional[Dict] = {},  # read only, never mutated
                 multi_task_fields: Sequence[str] = ('gt_label', ),
                 meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                                             'scale_factor', 'flip', 'flip_direction'),
                 input_key: str = 'img'):
        self.multi_task_fields = _as_given(multi_task_fields)
        self.meta_keys = _as_given(meta_keys)
        self.input_key = input_key
        self.task_handlers = {task: TRANSFORMS.build(
            dict(type=cfg, meta_keys=self.meta_keys) if isinstance(cfg, str) else cfg)
            for task, cfg in (task_handlers or {}).items()}
        self._default_handler = PackClsInputs(meta_keys=self.meta_keys)

    def transform(self, results: Dict) -> Dict:
        """Pack the image once and each task's fields into its own data sample."""
        packed = {}
        if self.input_key in results:
            packed['inputs'] = image_to_chw_tensor(materialize(results[self.input_key]))
        per_task: Dict[str, Dict] = {}
        for field in self.multi_task_fields:
            values = results.get(field)
            if values is None:
                continue
            if not isinstance(values, dict):
                raise TypeError(f'PackMultiTaskInputs: results[{field!r}] must be a dict of '
                                f'task -> value, got {type(values).__name__}')
            for task, value in values.items():
                per_task.setdefault(task, {})[field] = value
        shared = {k: v for k, v in results.items()
                  if k not in self.multi_task_fields and k != self.input_key}
        meta = {k: results[k] for k in self._default_handler.meta_keys if k in results}
        data_samples = MultiTaskDataSample(metainfo=meta)
        for task, fields in per_task.items():
            handler = self.task_handlers.get(task)
            if handler is None:
                task_sample = self._default_handler.pack_sample({**shared, **fields})
            else:
                task_sample = handler({**shared, **fields})['data_samples']
            data_samples.set_field(task_sample, task)
        packed['data_samples'] = data_samples
        return packed

    def __repr__(self) -> str:
        """Handlers (by class name), fields and meta keys; ``input_key`` only when not ``'img'``."""
        handlers = {task: type(handler).__name__ for task, handler in self.task_handlers.items()}
        extra = '' if self.input_key == 'img' else f', input_key={self.input_key!r}'
        return (f'{type(self).__name__}(task_handlers={handlers}, '
                f'multi_task_fields={self.multi_task_fields}, meta_keys={self.meta_keys}{extra})')


@TRANSFORMS.register_module()
class Collect(BaseTransform):
    """Keep only ``keys`` of the results (MMClassification 0.x style)."""

    repr_fields = ('keys', )

    def __init__(self, keys: Sequence[str]):
        self.keys = _as_given(keys)

    def transform(self, results: Dict) -> Dict:
        """Return a dict with the listed keys."""
        missing = [k for k in self.keys if k not in results]
        if missing:
            raise KeyError(f'Collect: keys {missing} are not in the results ({sorted(results)})')
        return {k: results[k] for k in self.keys}


class _PerKeyTransform(BaseTransform):
    """Replace each of ``keys`` in the results by :meth:`convert` of its value."""

    repr_fields = ('keys', )

    def __init__(self, keys: Sequence[str]):
        self.keys = _as_given(keys)

    @abstractmethod
    def convert(self, value):
        """The new value of one key."""

    def transform(self, results: Dict) -> Dict:
        """Convert each key."""
        for key in self.keys:
            results[key] = self.convert(results[key])
        return results


@TRANSFORMS.register_module()
class ToNumpy(_PerKeyTransform):
    """Convert ``keys`` to numpy arrays (optionally of ``dtype``)."""

    repr_fields = ('keys', 'dtype')

    def __init__(self, keys: Sequence[str], dtype=None):
        super().__init__(keys)
        self.dtype = dtype

    def convert(self, value) -> np.ndarray:
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        return np.asarray(value, dtype=self.dtype)


@TRANSFORMS.register_module()
class ToPIL(BaseTransform):
    """Convert ``img`` to a ``PIL.Image`` (BGR -> RGB first when ``to_rgb``)."""

    repr_fields = ('to_rgb', )

    def __init__(self, to_rgb: bool = False):
        self.to_rgb = to_rgb

    def transform(self, results: Dict) -> Dict:
        """Convert ``results['img']``."""
        img = materialize(results['img'])
        if self.to_rgb and img.ndim == 3 and img.shape[2] == 3:
            img = np.ascontiguousarray(img[..., ::-1])
        results['img'] = Image.fromarray(img)
        return results


@TRANSFORMS.register_module()
class Transpose(_PerKeyTransform):
    """Transpose ``keys`` (arrays or tensors) with axis ``order``."""

    repr_fields = ('keys', 'order')

    def __init__(self, keys: Sequence[str], order: Tuple[int, ...]):
        super().__init__(keys)
        self.order = _as_given(order)

    def convert(self, value):
        if isinstance(value, torch.Tensor):
            return value.permute(*self.order)
        return value.transpose(self.order)


@TRANSFORMS.register_module()
class ImageToTensor(_PerKeyTransform):
    """Convert HWC (or HW) images in ``keys`` to CHW tensors."""

    def convert(self, value) -> torch.Tensor:
        return image_to_chw_tensor(materialize(value))


@TRANSFORMS.register_module()
class ToTensor(_PerKeyTransform):
    """Convert ``keys`` (arrays, sequences, ints, floats) to tensors."""

    def convert(self, value) -> torch.Tensor:
        if isinstance(value, Number) and not isinstance(value, (int, float)):
            value = value.item()
        return to_tensor(value)
