"""Batch helpers over the ``LabelData`` of several samples (heads and losses use them).

Multi-label samples carry labels of different lengths, so a batch of labels is kept as one
concatenated LongTensor plus the indices where each sample's labels start
(:func:`cat_batch_labels`); :func:`batch_label_to_onehot` turns that pair into a (B, C) one-hot
matrix. Scores all have ``num_classes`` entries and simply stack (:func:`stack_batch_scores`).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .cls_data_sample import LabelData

__all__ = ['tensor_split', 'cat_batch_labels', 'batch_label_to_onehot', 'stack_batch_scores']

tensor_split = torch.tensor_split


def _check_batch(elements: Sequence[LabelData], argument: str) -> None:
    if not elements:
        raise ValueError(f'{argument} is empty; give at least one LabelData')
    for element in elements:
        if not isinstance(element, LabelData):
            raise TypeError(f'{argument} must hold LabelData, got {type(element).__name__}')


def cat_batch_labels(elements: Sequence[LabelData],
                     device=None) -> Tuple[Optional[torch.Tensor], Optional[List[int]]]:
    """Concatenate the ``label`` of every element.

    Returns ``(labels, split_indices)``: the 1-D concatenation and the offsets where the second,
    third, ... sample's labels begin (the ``indices`` of :func:`torch.tensor_split`). When the
    first element has no ``label`` field both are ``None``.
    """
    _check_batch(elements, 'elements')
    if 'label' not in elements[0]:
        return None, None
    labels = [element.label for element in elements]
    offsets, total = [], 0
    for label in labels[:-1]:
        total += label.size(0)
        offsets.append(total)
    batch_label = torch.cat(labels)
    if device is not None:
        batch_label = batch_label.to(device)
    return batch_label, offsets


def batch_label_to_onehot(batch_label: torch.Tensor, split_indices: Sequence[int],
                          num_classes: int) -> torch.Tensor:
    """Turn concatenated labels and their split indices into a (B, num_classes) one-hot matrix.

    Example:
        >>> batch_label_to_onehot(torch.tensor([0, 1, 0, 2, 4, 3, 1]), [2, 5], num_classes=5)
        tensor([[1, 1, 0, 0, 0],
                [1, 0, 1, 0, 1],
                [0, 1, 0, 1, 0]])
    """
    if batch_label.ndim != 1:
        raise ValueError(f'batch_label must be 1-D, got shape {tuple(batch_label.shape)}')
    onehot = F.one_hot(batch_label.long(), num_classes)
    return torch.stack([rows.sum(0) for rows in tensor_split(onehot, list(split_indices))])


def stack_batch_scores(elements: Sequence[LabelData], device=None) -> Optional[torch.Tensor]:
    """Stack the ``score`` of every element into a (B, num_classes) tensor.

    Returns ``None`` when the first element has no ``score`` field.
    """
    _check_batch(elements, 'elements')
    if 'score' not in elements[0]:
        return None
    batch_score = torch.stack([element.score for element in elements])
    if device is not None:
        batch_score = batch_score.to(device)
    return batch_score
