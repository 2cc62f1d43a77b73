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


def format_label(value: LabelType, num_classes: Optional[int] = None) -> LabelData:
    """Convert an int, a sequence, an array or a tensor to ``LabelData(label=LongTensor)``.

    Raises ``ValueError`` when a label is outside ``[0, num_classes)``.
    """
    if isinstance(value, torch.Tensor):
        if value.ndim == 0:
            value = value.unsqueeze(0)
        label = value.to(torch.long)
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
    metainfo = {}
    if num_classes is not None:
        if label.numel() and (int(label.max()) >= num_classes or int(label.min()) < 0):
            raise ValueError(f'label {label.tolist()} is out of range for {num_classes} classes')
        metainfo['num_classes'] = num_classes
    return LabelData(metainfo=metainfo, label=label)


def _to_score(value: Union[torch.Tensor, np.ndarray, Sequence]) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(value)
    elif not isinstance(value, torch.Tensor):
        value = torch.tensor(value)
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
        if field not in self:
            num_classes = self.get('num_classes')
            setattr(self, field, LabelData(
                metainfo={'num_classes': num_classes} if num_classes is not None else {}))
        return getattr(self, field)

    def set_gt_label(self, value: LabelType) -> 'ClsDataSample':
        """Set the ground-truth class index (or indices for multi-label)."""
        label = format_label(value, self.get('num_classes'))
        self._label_element('gt_label').label = label.label
        return self

    def set_gt_score(self, value) -> 'ClsDataSample':
        """Set the ground-truth score vector (soft / one-hot labels)."""
        score = _to_score(value)
        element = self._label_element('gt_label')
        num_classes = element.get('num_classes')
        if num_classes is not None and score.numel() != num_classes:
            raise ValueError(f'gt score has {score.numel()} entries for {num_classes} classes')
        if num_classes is None:
            element.set_field(score.numel(), 'num_classes', field_type='metainfo')
        element.score = score
        return self

    def set_pred_label(self, value: LabelType) -> 'ClsDataSample':
        """Set the predicted class index (or indices)."""
        label = format_label(value, self.get('num_classes'))
        self._label_element('pred_label').label = label.label
        return self

    def set_pred_score(self, value) -> 'ClsDataSample':
        """Set the predicted score vector over classes."""
        score = _to_score(value)
        element = self._label_element('pred_label')
        if element.get('num_classes') is None:
            element.set_field(score.numel(), 'num_classes', field_type='metainfo')
        element.score = score
        return self


__all__ = ['ClsDataSample', 'LabelData', 'format_label']
