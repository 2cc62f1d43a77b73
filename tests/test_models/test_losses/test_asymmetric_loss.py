import torch

from mmcls.registry import MODELS

torch.manual_seed(3)
SCORE = torch.randn(3, 5)
TARGET = torch.tensor([[1., 0., 0., 1., 0.], [0., 1., 0., 0., 0.], [0., 0., 1., 1., 1.]])


def test_asymmetric_loss_matches_formula():
    loss = MODELS.build(dict(type='AsymmetricLoss', gamma_pos=1.0, gamma_neg=4.0, clip=0.05))
    p = torch.sigmoid(SCORE)
    p_neg = (p - 0.05).clamp(min=0)  # shifted probability of negatives
    pos = -TARGET * (1 - p) ** 1 * p.log()
    neg = -(1 - TARGET) * p_neg ** 4 * (1 - p_neg).clamp(min=1e-8).log()
    assert torch.allclose(loss(SCORE, TARGET), (pos + neg).mean(), atol=1e-6)


def test_asymmetric_loss_without_focusing_is_bce():
    loss = MODELS.build(dict(type='AsymmetricLoss', gamma_pos=0.0, gamma_neg=0.0, clip=None))
    bce = torch.nn.functional.binary_cross_entropy_with_logits(SCORE, TARGET)
    assert torch.allclose(loss(SCORE, TARGET), bce, atol=1e-6)


def test_asymmetric_loss_index_targets_and_softmax():
    loss = MODELS.build(dict(type='AsymmetricLoss', use_sigmoid=False, clip=None, gamma_neg=0.))
    label = torch.tensor([0, 1, 2])
    p = torch.softmax(SCORE, dim=1)
    one_hot = torch.nn.functional.one_hot(label, 5).float()
    expected = -(one_hot * p.log() + (1 - one_hot) * (1 - p).log()).mean()
    assert torch.allclose(loss(SCORE, label), expected, atol=1e-6)
