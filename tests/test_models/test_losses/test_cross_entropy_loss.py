import pytest
import torch

from mmcls.registry import MODELS

torch.manual_seed(0)
SCORE = torch.randn(4, 5)
LABEL = torch.tensor([0, 3, 4, 1])


def log_softmax(x):
    return x - x.exp().sum(dim=1, keepdim=True).log()


def test_softmax_ce_matches_formula():
    loss = MODELS.build(dict(type='CrossEntropyLoss', loss_weight=2.0))
    expected = -log_softmax(SCORE)[torch.arange(4), LABEL].mean() * 2
    assert torch.allclose(loss(SCORE, LABEL), expected)
    # avg_factor divides the sum, as the heads call it
    assert torch.allclose(loss(SCORE, LABEL, avg_factor=2), expected * 2)
    per_sample = loss(SCORE, LABEL, reduction_override='none')
    assert per_sample.shape == (4, )


def test_softmax_ce_class_and_sample_weights():
    class_weight = [1., 2., 3., 4., 5.]
    loss = MODELS.build(dict(type='CrossEntropyLoss', class_weight=class_weight))
    nll = -log_softmax(SCORE)[torch.arange(4), LABEL]
    cw = torch.tensor(class_weight)[LABEL]
    assert torch.allclose(loss(SCORE, LABEL), (nll * cw).mean())
    weight = torch.tensor([1., 0., 1., 0.])
    assert torch.allclose(loss(SCORE, LABEL, weight=weight), (nll * cw * weight).mean())


def test_soft_ce_matches_formula():
    target = torch.softmax(torch.randn(4, 5), dim=1)
    loss = MODELS.build(dict(type='CrossEntropyLoss', use_soft=True))
    expected = -(target * log_softmax(SCORE)).sum(dim=1).mean()
    assert torch.allclose(loss(SCORE, target), expected)
    # a one-hot soft target equals the index target
    one_hot = torch.nn.functional.one_hot(LABEL, 5).float()
    plain = MODELS.build(dict(type='CrossEntropyLoss'))
    assert torch.allclose(loss(SCORE, one_hot), plain(SCORE, LABEL))


def test_sigmoid_bce_matches_formula():
    target = torch.randint(0, 2, (4, 5)).float()
    pos_weight = [1., 2., 1., 2., 3.]
    loss = MODELS.build(dict(type='CrossEntropyLoss', use_sigmoid=True, pos_weight=pos_weight))
    p = torch.sigmoid(SCORE)
    pw = torch.tensor(pos_weight)
    elementwise = -(pw * target * p.log() + (1 - target) * (1 - p).log())
    assert torch.allclose(loss(SCORE, target), elementwise.mean(), atol=1e-6)
    # avg_factor=N: sum over classes, mean over samples (what multi-label heads use)
    assert torch.allclose(loss(SCORE, target, avg_factor=4), elementwise.sum() / 4, atol=1e-6)
    weight = torch.tensor([1., 0., 0., 1.])
    expected = (elementwise * weight[:, None]).sum() / 4
    assert torch.allclose(loss(SCORE, target, weight=weight, avg_factor=4), expected, atol=1e-6)


def test_sigmoid_bce_rejects_index_targets():
    loss = MODELS.build(dict(type='CrossEntropyLoss', use_sigmoid=True))
    with pytest.raises(ValueError, match='same rank'):
        loss(SCORE, LABEL)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='use_sigmoid and use_soft'):
        MODELS.build(dict(type='CrossEntropyLoss', use_sigmoid=True, use_soft=True))
    with pytest.raises(ValueError, match='pos_weight'):
        MODELS.build(dict(type='CrossEntropyLoss', pos_weight=[1.]))
    with pytest.raises(ValueError, match='reduction'):
        MODELS.build(dict(type='CrossEntropyLoss', reduction='avg'))
    loss = MODELS.build(dict(type='CrossEntropyLoss'))
    with pytest.raises(ValueError, match='reduction'):
        loss(SCORE, LABEL, reduction_override='avg')
