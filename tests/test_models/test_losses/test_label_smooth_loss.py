import pytest
import torch
import torch.nn.functional as F

from mmcls.registry import MODELS

torch.manual_seed(1)
SCORE = torch.randn(3, 4)
LABEL = torch.tensor([1, 0, 3])
ONE_HOT = F.one_hot(LABEL, 4).float()


def soft_ce(score, target):
    return -(target * F.log_softmax(score, dim=1)).sum(dim=1).mean()


def test_original_mode():
    loss = MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=2.0))
    target = ONE_HOT * 0.9 + 0.1 / 4
    assert torch.allclose(loss(SCORE, LABEL), 2 * soft_ce(SCORE, target))


def test_classy_vision_mode():
    loss = MODELS.build(
        dict(type='LabelSmoothLoss', label_smooth_val=0.2, num_classes=4, mode='classy_vision'))
    target = (ONE_HOT + 0.2 / 4) / 1.2
    assert torch.allclose(loss(SCORE, LABEL), soft_ce(SCORE, target))


def test_multi_label_mode_uses_sigmoid():
    with pytest.warns(UserWarning, match='use_sigmoid'):
        loss = MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='multi_label'))
    multi_hot = torch.tensor([[1., 0., 1., 0.], [0., 0., 0., 1.], [1., 1., 0., 0.]])
    target = multi_hot * 0.9 + (1 - multi_hot) * 0.1
    expected = F.binary_cross_entropy_with_logits(SCORE, target)
    assert torch.allclose(loss(SCORE, multi_hot), expected)


def test_invalid_settings():
    with pytest.raises(ValueError, match='label_smooth_val'):
        MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=1.0))
    with pytest.raises(ValueError, match='mode'):
        MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='other'))
    loss = MODELS.build(dict(type='LabelSmoothLoss', label_smooth_val=0.1, num_classes=10))
    with pytest.raises(ValueError, match='10 classes'):
        loss(SCORE, LABEL)
