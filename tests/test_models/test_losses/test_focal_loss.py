import torch

from mmcls.registry import MODELS

torch.manual_seed(2)
SCORE = torch.randn(3, 4)
LABEL = torch.tensor([2, 0, 1])


def test_focal_loss_matches_formula():
    loss = MODELS.build(dict(type='FocalLoss', gamma=2.0, alpha=0.25))
    target = torch.nn.functional.one_hot(LABEL, 4).float()
    p = torch.sigmoid(SCORE)
    pt = torch.where(target == 1, p, 1 - p)
    alpha_t = torch.where(target == 1, torch.tensor(0.25), torch.tensor(0.75))
    expected = (-alpha_t * (1 - pt) ** 2 * pt.log()).mean()
    assert torch.allclose(loss(SCORE, LABEL), expected, atol=1e-6)
    assert torch.allclose(loss(SCORE, target), expected, atol=1e-6)


def test_focal_loss_gamma_zero_is_weighted_bce():
    loss = MODELS.build(dict(type='FocalLoss', gamma=0.0, alpha=0.5, loss_weight=2.0))
    target = torch.nn.functional.one_hot(LABEL, 4).float()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(SCORE, target)
    assert torch.allclose(loss(SCORE, target), 2 * 0.5 * bce, atol=1e-6)


def test_focal_loss_sample_weight():
    loss = MODELS.build(dict(type='FocalLoss'))
    weight = torch.tensor([1., 0., 0.])
    full = loss(SCORE, LABEL, reduction_override='none')
    assert torch.allclose(loss(SCORE, LABEL, weight=weight, reduction_override='sum'),
                          full[0].sum())
