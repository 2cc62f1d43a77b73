"""SetAdaptiveMarginsHook: margins from class frequencies, set on a real ArcFaceClsHead."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmcls.engine.hooks import SetAdaptiveMarginsHook
from mmcls.engine.hooks.margin_head_hooks import adaptive_margins
from mmcls.models.heads.margin_head import ArcFaceClsHead
from mmcls.registry import HOOKS


def test_hook_is_registered():
    assert HOOKS.get('SetAdaptiveMarginsHook') is SetAdaptiveMarginsHook


def test_adaptive_margins_formula():
    margins = adaptive_margins([1, 16, 81], margin_min=0.1, margin_max=0.5, power=-0.25)
    # n^-0.25 = 1, 1/2, 1/3 -> min-max normalised 1, 1/4, 0
    assert margins == pytest.approx([0.5, 0.2, 0.1])
    assert adaptive_margins([0, 1], 0.1, 0.5) == pytest.approx([0.3, 0.3])
    assert adaptive_margins([3, 3]) == pytest.approx([0.275, 0.275])


class LabelDataset:

    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def get_cat_ids(self, idx):
        return [self.labels[idx]]


def test_set_adaptive_margins_hook_sets_head_margins():
    head = ArcFaceClsHead(num_classes=3, in_channels=4)
    model = SimpleNamespace(head=head)
    runner = SimpleNamespace(model=model, train_dataloader=SimpleNamespace(
        dataset=LabelDataset([0] * 81 + [1] * 16 + [2])))
    SetAdaptiveMarginsHook(margin_min=0.1, margin_max=0.5).before_train(runner)
    torch.testing.assert_close(head.margins, torch.tensor([0.1, 0.2, 0.5]))
    torch.testing.assert_close(head.threshold, torch.cos(torch.pi - head.margins))

    runner.train_dataloader.dataset = LabelDataset([0, 5])
    with pytest.raises(ValueError, match='class 5'):
        SetAdaptiveMarginsHook().before_train(runner)
    runner.model = SimpleNamespace(head=nn.Linear(2, 2))
    with pytest.raises(ValueError, match='ArcFaceClsHead'):
        SetAdaptiveMarginsHook().before_train(runner)
    with pytest.raises(ValueError, match='margin_min'):
        SetAdaptiveMarginsHook(margin_min=0.6, margin_max=0.5)


def test_margins_from_get_gt_labels():
    """A dataset with only ``get_gt_labels()`` works; absent classes count once."""
    import numpy as np

    class GtLabelDataset:
        def __len__(self):
            return 10

        def get_gt_labels(self):
            return np.array([0, 1, 2, 4, 0, 4, 1, 2, 2, 1])

    head = ArcFaceClsHead(num_classes=5, in_channels=4)
    runner = SimpleNamespace(model=SimpleNamespace(head=head),
                             train_dataloader=SimpleNamespace(dataset=GtLabelDataset()))
    SetAdaptiveMarginsHook().before_train(runner)
    torch.testing.assert_close(head.margins,
                               torch.tensor([0.20188488, 0.05, 0.05, 0.5, 0.20188488]))
    runner.train_dataloader.dataset = object()
    with pytest.raises(TypeError, match='get_gt_labels'):
        SetAdaptiveMarginsHook().before_train(runner)
