"""``ClsDataPreprocessor``: batch the collated samples on the model's device.

The data loader hands over uint8 CHW tensors (a list from ``pseudo_collate``
or a stacked batch from ``default_collate``), HWC-strided as ``PackClsInputs``
packs them.  They stay uint8 until they reach the device (a quarter of the bytes of float32), and only then become
float: BGR->RGB, normalisation, padding to a common size, and in training the
batch augments, which also turn the labels into soft scores.
"""
from __future__ import annotations

import math
from collections import abc
from typing import Any, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from mmcls.datasets.collate import stack_images
from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample

from .batch_augments.wrapper import RandomBatchAugment

__all__ = ['BaseDataPreprocessor', 'ClsDataPreprocessor', 'stack_batch', 'labels_to_onehot']


def _pad_amounts(h: int, w: int, target_h: int, target_w: int) -> tuple:
    return (0, target_w - w, 0, target_h - h)


def stack_batch(tensors: Sequence[torch.Tensor], pad_size_divisor: int = 1,
                pad_value: Union[int, float] = 0) -> torch.Tensor:
    """Stack CHW tensors, padding bottom/right to the largest size and to ``pad_size_divisor``."""
    if not tensors:
        raise ValueError('stack_batch: got an empty batch')
    channels = {t.shape[0] for t in tensors}
    if len(channels) != 1 or any(t.ndim != 3 for t in tensors):
        raise ValueError('stack_batch: every input must be CHW with the same number of channels, '
                         f'got shapes {[tuple(t.shape) for t in tensors]}')
    max_h = max(t.shape[1] for t in tensors)
    max_w = max(t.shape[2] for t in tensors)
    target_h = math.ceil(max_h / pad_size_divisor) * pad_size_divisor
    target_w = math.ceil(max_w / pad_size_divisor) * pad_size_divisor
    padded = [
        t if t.shape[1:] == (target_h, target_w) else
        F.pad(t, _pad_amounts(t.shape[1], t.shape[2], target_h, target_w), value=pad_value)
        for t in tensors
    ]
    return torch.stack(padded)


def labels_to_onehot(labels: Sequence[torch.Tensor], num_classes: int) -> torch.Tensor:
    """``(N, num_classes)`` float scores with 1 at each sample's label(s) (multi-label too).

    Built in one scatter on the labels' device (the CPU, straight from the
    loader), so checking the range costs no device synchronisation.
    """
    flat = torch.cat([label.reshape(-1) for label in labels]).long()
    rows = torch.repeat_interleave(torch.arange(len(labels), device=flat.device),
                                   torch.tensor([label.numel() for label in labels],
                                                device=flat.device))
    if flat.numel() and (int(flat.max()) >= num_classes or int(flat.min()) < 0):
        raise ValueError(f'labels {flat.tolist()} are out of range for {num_classes} classes')
    onehot = torch.zeros(len(labels), num_classes, device=flat.device)
    onehot[rows, flat] = 1.
    return onehot


@MODELS.register_module()
class BaseDataPreprocessor(nn.Module):
    """Move a batch onto this module's device, the base of every data preprocessor.

    ``cast_data`` walks dicts, lists, tuples and named tuples and moves every tensor and data
    element (anything with ``.to``) to :attr:`device`; ``forward(data, training)`` returns the
    moved batch unchanged otherwise. Subclasses (``ClsDataPreprocessor``, a user's own) add
    the conversion they need on top.

    Args:
        non_blocking: copy host tensors asynchronously (useful with pinned memory).
    """

    def __init__(self, non_blocking: Optional[bool] = False):
        super().__init__()
        self._non_blocking = bool(non_blocking)
        # an empty buffer that follows .to()/.cuda(), so the device is known without parameters
        self.register_buffer('_device_tracker', torch.empty(0), False)

    @property
    def device(self) -> torch.device:
        """The device inputs are moved to."""
        return self._device_tracker.device

    def cast_data(self, data: Any) -> Any:
        """``data`` with every tensor and data element moved to :attr:`device`."""
        if isinstance(data, abc.Mapping):
            return type(data)({key: self.cast_data(value) for key, value in data.items()})
        if isinstance(data, tuple) and hasattr(data, '_fields'):  # a named tuple
            return type(data)(*(self.cast_data(item) for item in data))
        if isinstance(data, (list, tuple)):
            return type(data)(self.cast_data(item) for item in data)
        if isinstance(data, torch.Tensor) or (hasattr(data, 'to') and not isinstance(data, type)):
            return data.to(self.device, non_blocking=self._non_blocking)
        return data

    def forward(self, data: dict, training: bool = False) -> Any:
        """The batch on this module's device."""
        return self.cast_data(data)


@MODELS.register_module()
class ClsDataPreprocessor(BaseDataPreprocessor):
    """Turn a collated batch into model inputs: move, convert, normalise, pad, augment.

    Args:
        mean: per-channel means (in the order after ``to_rgb``); None disables
            normalisation.
        std: per-channel standard deviations (required with ``mean``).
        pad_size_divisor: pad height and width to a multiple of it.
        pad_value: the padding value (in normalised units).
        to_rgb: swap BGR to RGB for 3-channel inputs.
        to_onehot: turn ``gt_label`` into one-hot ``gt_label.score``.
        num_classes: needed for ``to_onehot`` when the samples do not carry it.
        batch_augments: ``dict(augments=[...], probs=[...])`` (the classifier's
            ``train_cfg``), or a callable; enables ``to_onehot``.

    ``forward(data, training)`` takes ``dict(inputs=list of CHW tensors or an
    NCHW tensor, data_samples=list | None)`` and returns ``dict(inputs=float
    NCHW tensor on this module's device, data_samples=...)``.
    """

    def __init__(self, mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None, pad_size_divisor: int = 1,
                 pad_value: Union[int, float] = 0, to_rgb: bool = False, to_onehot: bool = False,
                 num_classes: Optional[int] = None,
                 batch_augments: Union[dict, RandomBatchAugment, None] = None,
                 channels_last: bool = False):
        super().__init__(non_blocking=True)
        # channels_last: emit NHWC-strided batches (the Runner sets it with ``channels_last``)
        self.channels_last = bool(channels_last)
        if (mean is None) != (std is None):
            raise ValueError('ClsDataPreprocessor: give both `mean` and `std`, or neither')
        if pad_size_divisor < 1:
            raise ValueError(f'ClsDataPreprocessor: pad_size_divisor must be >= 1, got '
                             f'{pad_size_divisor}')
        self.pad_size_divisor = int(pad_size_divisor)
        self.pad_value = pad_value
        self.to_rgb = to_rgb
        self.num_classes = num_classes
        self._enable_normalize = mean is not None
        if mean is not None:
            self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1),
                                 False)
            self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(-1, 1, 1),
                                 False)
        if isinstance(batch_augments, dict):
            batch_augments = RandomBatchAugment(**batch_augments)
        self.batch_augments = batch_augments
        self.to_onehot = to_onehot or batch_augments is not None

    def _normalize(self, inputs: torch.Tensor) -> torch.Tensor:
        """uint8 (N)CHW on the device -> float, RGB if asked, normalised.

        The float conversion also sets the memory layout (NHWC strides with
        ``channels_last``, NCHW otherwise) in the same copy, whatever layout
        the loader delivered (HWC-strided images from ``PackClsInputs``).
        """
        channel_dim = inputs.ndim - 3
        if self.to_rgb and inputs.shape[channel_dim] == 3:
            inputs = inputs.flip(channel_dim)
        layout = (torch.channels_last if self.channels_last and inputs.ndim == 4
                  else torch.contiguous_format)
        inputs = inputs.to(torch.float32, memory_format=layout)
        if self._enable_normalize:
            inputs = (inputs - self.mean) / self.std
        return inputs

    def _pad_to_divisor(self, batch: torch.Tensor) -> torch.Tensor:
        h, w = batch.shape[-2:]
        d = self.pad_size_divisor
        target_h, target_w = math.ceil(h / d) * d, math.ceil(w / d) * d
        if (target_h, target_w) == (h, w):
            return batch
        return F.pad(batch, _pad_amounts(h, w, target_h, target_w), value=self.pad_value)

    def process_inputs(self, inputs: Union[torch.Tensor, List[torch.Tensor]]) -> torch.Tensor:
        """Move, convert, normalise and batch the images; NHWC strides if ``channels_last``."""
        batch = self._batch_inputs(inputs)
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        return batch

    def _batch_inputs(self, inputs: Union[torch.Tensor, List[torch.Tensor]]) -> torch.Tensor:
        if isinstance(inputs, torch.Tensor):
            if inputs.ndim != 4:
                raise ValueError(f'ClsDataPreprocessor: a stacked batch must be NCHW, got shape '
                                 f'{tuple(inputs.shape)}')
            return self._pad_to_divisor(self._normalize(inputs.to(self.device, non_blocking=True)))
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise TypeError('ClsDataPreprocessor: inputs must be an NCHW tensor or a non-empty '
                            f'list of CHW tensors, got {type(inputs).__name__}')
        if len({tuple(t.shape) for t in inputs}) == 1:
            # same size: stack the uint8 images first, then move and convert once
            batch = stack_images(inputs).to(self.device, non_blocking=True)
            return self._pad_to_divisor(self._normalize(batch))
        processed = [self._normalize(t.to(self.device, non_blocking=True)) for t in inputs]
        return stack_batch(processed, self.pad_size_divisor, self.pad_value)

    def _batch_scores(self, samples: List[ClsDataSample]) -> Optional[torch.Tensor]:
        """Existing ``gt_label.score`` rows, or one-hot labels when ``to_onehot``, on the device."""
        gt_labels = [s.gt_label for s in samples]
        if all('score' in g for g in gt_labels):
            scores = torch.stack([g.score for g in gt_labels])
        elif self.to_onehot:
            num_classes = self.num_classes or gt_labels[0].get('num_classes')
            if num_classes is None:
                raise ValueError('ClsDataPreprocessor: one-hot labels (to_onehot or '
                                 'batch_augments) need `num_classes`; set '
                                 'data_preprocessor.num_classes')
            scores = labels_to_onehot([g.label for g in gt_labels], num_classes)
        else:
            return None
        return scores.to(self.device, torch.float32, non_blocking=True)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Return ``dict(inputs=float NCHW on the device, data_samples=...)``."""
        if 'inputs' not in data:
            raise KeyError(f'ClsDataPreprocessor: the batch has no "inputs" (keys: {sorted(data)})')
        inputs = self.process_inputs(data['inputs'])
        samples = data.get('data_samples')
        has_labels = bool(samples) and isinstance(samples[0], ClsDataSample) and \
            'gt_label' in samples[0]
        scores = self._batch_scores(samples) if has_labels else None
        if samples and self.device.type != 'cpu':
            # labels follow the inputs so that heads compute losses on one device
            samples = self.cast_data(samples)
        if has_labels:
            if training and self.batch_augments is not None:
                if scores is None:
                    raise ValueError('ClsDataPreprocessor: batch augments need label scores')
                inputs, scores = self.batch_augments(inputs, scores)
            if scores is not None:
                for sample, score in zip(samples, scores):
                    sample.set_gt_score(score)
        return {'inputs': inputs, 'data_samples': samples}
