"""Label helpers of mmcls.structures: format_label/format_score and the batch helpers."""
import numpy as np
import pytest
import torch

from mmcls.structures import (LabelData, batch_label_to_onehot, cat_batch_labels, format_label,
                              format_score, stack_batch_scores, tensor_split)


def test_format_label_returns_a_long_vector():
    for value in (3, [3], np.array(3), np.array([3]), torch.tensor(3), torch.tensor([3.])):
        label = format_label(value)
        assert isinstance(label, torch.Tensor) and label.dtype == torch.long
        assert label.tolist() == [3]
    assert format_label([1, 4], num_classes=5).tolist() == [1, 4]
    with pytest.raises(ValueError, match='1-D'):
        format_label(torch.zeros(2, 2))
    with pytest.raises(TypeError, match='cannot convert str'):
        format_label('cat')


def test_format_score_keeps_tensors_and_floats_the_rest():
    assert format_score([0.2, 0.8]).dtype == torch.float32
    assert format_score(np.array([1, 0])).dtype == torch.float32
    half = torch.tensor([0.5, 0.5], dtype=torch.float16)
    assert format_score(half) is half
    with pytest.raises(TypeError, match='to a score'):
        format_score(3)
    with pytest.raises(ValueError, match='1-D'):
        format_score([[0.1]])


def test_cat_and_onehot_over_labels_of_different_lengths():
    elements = [LabelData(label=torch.tensor([0, 1])), LabelData(label=torch.tensor([0, 2, 4])),
                LabelData(label=torch.tensor([3, 1]))]
    labels, splits = cat_batch_labels(elements)
    assert labels.tolist() == [0, 1, 0, 2, 4, 3, 1] and splits == [2, 5]
    onehot = batch_label_to_onehot(labels, splits, num_classes=5)
    assert onehot.tolist() == [[1, 1, 0, 0, 0], [1, 0, 1, 0, 1], [0, 1, 0, 1, 0]]
    assert [t.tolist() for t in tensor_split(labels, splits)] == [[0, 1], [0, 2, 4], [3, 1]]
    assert cat_batch_labels([LabelData(score=torch.ones(2))]) == (None, None)
    with pytest.raises(ValueError, match='elements is empty'):
        cat_batch_labels([])


def test_stack_batch_scores():
    elements = [LabelData(score=torch.tensor([0.1, 0.9])), LabelData(score=torch.tensor([1., 0.]))]
    stacked = stack_batch_scores(elements, device='cpu')
    assert stacked.shape == (2, 2) and stacked[1, 0] == 1
    assert stack_batch_scores([LabelData(label=torch.tensor([1]))]) is None
    with pytest.raises(TypeError, match='must hold LabelData'):
        stack_batch_scores([torch.ones(2)])
