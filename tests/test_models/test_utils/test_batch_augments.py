"""Mixup, CutMix, ResizeMix and RandomBatchAugment."""
import numpy as np
import pytest
import torch

from mmcls.models.utils.batch_augments import CutMix, Mixup, RandomBatchAugment, ResizeMix
from mmcls.registry import BATCH_AUGMENTS


def _batch(n=6, num_classes=5, size=16):
    torch.manual_seed(0)
    inputs = torch.randn(n, 3, size, size)
    labels = torch.arange(n) % num_classes
    scores = torch.nn.functional.one_hot(labels, num_classes).float()
    return inputs, scores


def test_mixup_blends_inputs_and_scores_with_one_lambda():
    inputs, scores = _batch()
    np.random.seed(0)
    lam = np.random.beta(0.8, 0.8)
    np.random.seed(0)
    torch.manual_seed(1)
    index = torch.randperm(6)
    torch.manual_seed(1)
    mixed, mixed_scores = Mixup(alpha=0.8)(inputs.clone(), scores)
    torch.testing.assert_close(mixed, lam * inputs + (1 - lam) * inputs[index])
    torch.testing.assert_close(mixed_scores, lam * scores + (1 - lam) * scores[index])
    torch.testing.assert_close(mixed_scores.sum(1), torch.ones(6))


def test_cutmix_pastes_a_box_and_mixes_by_area():
    inputs, scores = _batch()
    np.random.seed(3)
    torch.manual_seed(3)
    mixed, mixed_scores = CutMix(alpha=1.0)(inputs.clone(), scores)
    torch.testing.assert_close(mixed_scores.sum(1), torch.ones(6))
    changed = (mixed != inputs).any(dim=1)  # N x H x W
    area = changed.float().mean(dim=(1, 2))
    for row in range(6):
        if area[row] > 0:  # samples paired with another one got the box
            # the original class keeps 1 - area of the label mass (correct_lam)
            own = mixed_scores[row, row % 5].item()
            assert own == pytest.approx(1 - area[row].item(), abs=1e-5)
    assert changed.any()


def test_cutmix_bbox_rules():
    cutmix = CutMix(alpha=1.0)
    np.random.seed(0)
    for lam in (0.1, 0.5, 0.9):
        (y1, y2, x1, x2), corrected = cutmix.cutmix_bbox_and_lam((32, 48), lam)
        assert 0 <= y1 <= y2 <= 32 and 0 <= x1 <= x2 <= 48
        assert corrected == pytest.approx(1 - (y2 - y1) * (x2 - x1) / (32 * 48))
    minmax = CutMix(alpha=1.0, cutmix_minmax=(0.2, 0.5), correct_lam=False)
    (y1, y2, x1, x2), lam = minmax.cutmix_bbox_and_lam((100, 100), 0.3)
    assert 20 <= y2 - y1 < 50 and 20 <= x2 - x1 < 50
    assert lam == pytest.approx(1 - (y2 - y1) * (x2 - x1) / 1e4)
    uncorrected = CutMix(alpha=1.0, correct_lam=False)
    assert uncorrected.cutmix_bbox_and_lam((32, 32), 0.7)[1] == 0.7


def test_resizemix_pastes_resized_images():
    inputs = torch.zeros(2, 3, 32, 32)
    inputs[1] = 1.
    scores = torch.eye(2)
    np.random.seed(0)
    torch.manual_seed(0)
    mixed, mixed_scores = ResizeMix(alpha=1.0)(inputs.clone(), scores)
    torch.testing.assert_close(mixed_scores.sum(1), torch.ones(2))
    pasted = (mixed[0, 0] != inputs[0, 0]).float().mean()
    if mixed_scores[0, 1] > 0:
        assert pasted.item() == pytest.approx(mixed_scores[0, 1].item(), abs=1e-5)
    assert 0.1 * 0.9 <= mixed_scores[:, 0].max().item() <= 1.0
    with pytest.raises(ValueError, match='lam_min'):
        ResizeMix(alpha=1.0, lam_min=0.9, lam_max=0.1)


def test_batch_score_must_be_two_dimensional():
    with pytest.raises(ValueError, match='num_classes'):
        Mixup(alpha=1.)(torch.zeros(2, 3, 4, 4), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match='alpha'):
        Mixup(alpha=0)


def test_random_batch_augment_probs_are_respected():
    calls = []

    def tagger(tag):
        def augment(inputs, scores):
            calls.append(tag)
            return inputs, scores
        return augment

    np.random.seed(0)
    augment = RandomBatchAugment([tagger('a'), tagger('b')], probs=[0.2, 0.5])
    for _ in range(3000):
        augment(torch.zeros(1), torch.zeros(1, 1))
    assert abs(calls.count('a') / 3000 - 0.2) < 0.03
    assert abs(calls.count('b') / 3000 - 0.5) < 0.03  # the remaining 0.3: no augment
    calls.clear()
    uniform = RandomBatchAugment([tagger('a'), tagger('b')])
    for _ in range(2000):
        uniform(torch.zeros(1), torch.zeros(1, 1))
    assert len(calls) == 2000 and abs(calls.count('a') / 2000 - 0.5) < 0.04
    with pytest.raises(ValueError, match='at most 1'):
        RandomBatchAugment([tagger('a'), tagger('b')], probs=[0.7, 0.7])
    with pytest.raises(ValueError, match='probs'):
        RandomBatchAugment([tagger('a')], probs=[0.5, 0.5])


def test_build_from_train_cfg():
    augment = RandomBatchAugment(augments=[dict(type='Mixup', alpha=0.8),
                                           dict(type='CutMix', alpha=1.0)], probs=[0.3, 0.7])
    assert [type(a).__name__ for a in augment.augments] == ['Mixup', 'CutMix', 'NoneType']
    implicit = RandomBatchAugment([dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.)],
                                  probs=[0.5, 0.3])
    assert implicit.augments[-1] is None and implicit.probs == pytest.approx([0.5, 0.3, 0.2])
    for name in ('Mixup', 'CutMix', 'ResizeMix', 'RandomBatchAugment'):
        assert name in BATCH_AUGMENTS
    single = RandomBatchAugment(dict(type='ResizeMix', alpha=1.), probs=1.)
    assert single.probs == [1.0, 0.0]
    assert 'ResizeMix(alpha=1.0' in repr(single)


@pytest.mark.parametrize('old, new', [('BatchMixup', 'Mixup'), ('BatchCutMix', 'CutMix'),
                                      ('BatchResizeMix', 'ResizeMix')])
def test_0x_names_build_the_renamed_augment_with_a_warning(old, new):
    with pytest.warns(DeprecationWarning, match=f"{old} is renamed {new}.*use type='{new}'; "
                                                f"num_classes and prob ignored"):
        augment = BATCH_AUGMENTS.build(dict(type=old, alpha=1., num_classes=4, prob=0.5))
    assert type(augment).__mro__[1].__name__ == new
    inputs, scores = augment(torch.rand(4, 3, 8, 8), torch.eye(4))
    assert inputs.shape == (4, 3, 8, 8) and torch.allclose(scores.sum(1), torch.ones(4))
