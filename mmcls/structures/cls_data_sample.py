"""``ClsDataSample``: the ground truth and prediction of one image.

``gt_label`` and ``pred_label`` are :class:`LabelData` elements holding a
``label`` (1-D LongTensor of class indices) and optionally a ``score``
(1-D float tensor over classes), as MMClassification 1.x stores them.
"""
from __future__ import annotations

from numbers import Number
from typing import Optional, Sequence, Union

import numpy as np
import torch

from .base_data_element import BaseDataElement

LabelType = Union[torch.Tensor, np.ndarray, Sequence, int]


class LabelData(BaseDataElement):
    """Label fields of one sample (``label``, ``score``); metainfo may hold ``num_classes``."""


def format_label(value: LabelType, num_classes: Optional[int] = None) -> torch.Tensor:
    """Convert an int, a sequence, an array or a tensor to a 1-D LongTensor of class indices.

    A 0-d tensor or array becomes a one-element label. With ``num_classes`` the indices are
    checked to lie in ``[0, num_classes)`` (``ValueError`` otherwise).
    """
    if type(value) is int:  # the common case, one index: no tensor round trip for the check
        if num_classes is not None and not 0 <= value < num_classes:
            raise ValueError(f'label [{value}] is out of range for {num_classes} classes')
        return torch.full((1,), value, dtype=torch.long)
    if isinstance(value, torch.Tensor):
        label = value.reshape(1) if value.ndim == 0 else value
        label = label.to(torch.long)
    elif isinstance(value, np.ndarray):
        label = torch.from_numpy(np.atleast_1d(value)).to(torch.long)
    elif isinstance(value, Number) and not isinstance(value, bool):
        if int(value) != value:
            raise TypeError(f'a label must be an integer, got {value!r}')
        label = torch.tensor([int(value)], dtype=torch.long)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        label = torch.tensor(list(value), dtype=torch.long)
    else:
        raise TypeError(f'cannot convert {type(value).__name__} {value!r} to a label; '
                        'use an int, a sequence, an ndarray or a tensor')
    if label.ndim != 1:
        raise ValueError(f'a label must be 1-D, got shape {tuple(label.shape)}')
    if num_classes is not None and label.numel() and (
            int(label.max()) >= num_classes or int(label.min()) < 0):
        raise ValueError(f'label {label.tolist()} is out of range for {num_classes} classes')
    return label


def format_score(value: Union[torch.Tensor, np.ndarray, Sequence]) -> torch.Tensor:
    """Convert a score vector (tensor, array or sequence) to a 1-D tensor.

    Arrays and sequences become float32 tensors; a tensor keeps its dtype (so half-precision
    predictions stay half). Anything else is a ``TypeError``; a non 1-D input a ``ValueError``.
    """
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value).float()
    elif isinstance(value, Sequence) and not isinstance(value, str):
        value = torch.tensor(value, dtype=torch.float32)
    elif not isinstance(value, torch.Tensor):
        raise TypeError(f'cannot convert {type(value).__name__} {value!r} to a score; '
                        'use a sequence, an ndarray or a tensor')
    if value.ndim != 1:
        raise ValueError(f'a score must be 1-D over classes, got shape {tuple(value.shape)}')
    return value


class ClsDataSample(BaseDataElement):
    """Classification data sample: ``gt_label`` and ``pred_label`` plus image metainfo.

    Example:
        >>> sample = ClsDataSample(metainfo={'img_path': 'a.jpg'}).set_gt_label(3)
        >>> sample.gt_label.label
        tensor([3])
    """

    def _label_element(self, field: str) -> LabelData:
        if field in self._data_fields:
            return getattr(self, field)
        element = LabelData()
        num_classes = self.get('num_classes')
        if num_classes is not None:
            element.set_field(num_classes, 'num_classes', field_type='metainfo')
        self.set_field(element, field)
        return element

    def _set_label(self, field: str, value: LabelType) -> 'ClsDataSample':
        self._label_element(field).set_field(format_label(value, self.get('num_classes')), 'label')
        return self

    def _set_score(self, field: str, value) -> 'ClsDataSample':
        """Set ``field``'s score and record its length as ``num_classes``.

        The sample's ``num_classes`` metainfo is taken from the first score set on it, so the
        ground-truth and the predicted scores of one sample must have one length: a score of
        another length than the recorded ``num_classes`` is a ``ValueError``. The label element
        also records the length, for code that only holds the element.
        """
        score = format_score(value)
        num_classes = self.get('num_classes')
        if num_classes is None:
            self.set_field(score.numel(), 'num_classes', field_type='metainfo')
        elif score.numel() != num_classes:
            raise ValueError(f'{field} score has {score.numel()} entries, but num_classes of '
                             f'the sample is {num_classes}')
        element = self._label_element(field)
        if element.get('num_classes') is None:
            element.set_field(score.numel(), 'num_classes', field_type='metainfo')
        element.score = score
        return self

    def set_gt_label(self, value: LabelType) -> 'ClsDataSample':
        """Set the ground-truth class index (or indices for multi-label)."""
        return self._set_label('gt_label', value)

    def set_gt_score(self, value) -> 'ClsDataSample':
        """Set the ground-truth score vector (soft / one-hot labels)."""
        return self._set_score('gt_label', value)

    def set_pred_label(self, value: LabelType) -> 'ClsDataSample':
        """Set the predicted class index (or indices)."""
        return self._set_label('pred_label', value)

    def set_pred_score(self, value) -> 'ClsDataSample':
        """Set the predicted score vector over classes."""
        return self._set_score('pred_label', value)


__all__ = ['ClsDataSample', 'LabelData', 'format_label', 'format_score']
