import pytest
import torch
import torch.nn.functional as F

from mmcls.registry import MODELS

torch.manual_seed(4)
SCORE = torch.randn(4, 3)
LABEL = torch.tensor([0, 0, 0, 2])


def test_seesaw_without_factors_is_cross_entropy():
    loss = MODELS.build(dict(type='SeesawLoss', p=0., q=0., num_classes=3))
    assert torch.allclose(loss(SCORE, LABEL), F.cross_entropy(SCORE, LABEL))
    assert loss.cum_samples.tolist() == [3., 0., 1.]
    loss(SCORE, LABEL)
    assert loss.cum_samples.tolist() == [6., 0., 2.]


def test_seesaw_mitigation_factor_matches_formula():
    loss = MODELS.build(dict(type='SeesawLoss', p=0.8, q=0., num_classes=3))
    got = loss(SCORE, LABEL)
    counts = torch.tensor([3., 0., 1.]).clamp(min=1)
    # for label i, negative j is down-weighted by (N_j / N_i) ** p when N_j < N_i
    ratio = counts[None, :] / counts[:, None]
    factor = torch.where(ratio < 1, ratio ** 0.8, torch.ones_like(ratio))[LABEL]
    one_hot = F.one_hot(LABEL, 3)
    shifted = SCORE + factor.log() * (1 - one_hot)
    assert torch.allclose(got, F.cross_entropy(shifted, LABEL))


def test_seesaw_compensation_factor_matches_formula():
    loss = MODELS.build(dict(type='SeesawLoss', p=0., q=2.0, num_classes=3))
    got = loss(SCORE, LABEL)
    prob = SCORE.softmax(dim=1)
    ratio = prob / prob[torch.arange(4), LABEL][:, None]
    factor = torch.where(ratio > 1, ratio ** 2, torch.ones_like(ratio))
    shifted = SCORE + factor.log() * (1 - F.one_hot(LABEL, 3))
    assert torch.allclose(got, F.cross_entropy(shifted, LABEL))


def test_seesaw_rejects_sigmoid_and_bad_labels():
    with pytest.raises(ValueError, match='softmax'):
        MODELS.build(dict(type='SeesawLoss', use_sigmoid=True))
    loss = MODELS.build(dict(type='SeesawLoss', num_classes=3))
    with pytest.raises(ValueError, match='one class index per sample'):
        loss(SCORE, F.one_hot(LABEL, 3))
