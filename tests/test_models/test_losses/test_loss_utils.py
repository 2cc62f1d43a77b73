import pytest
import torch

from mmcls.models.losses import (convert_to_one_hot, reduce_loss, weight_reduce_loss,
                                 weighted_loss)


def test_reduce_loss():
    loss = torch.tensor([1., 2., 3.])
    assert reduce_loss(loss, 'none') is loss
    assert reduce_loss(loss, 'mean') == 2.
    assert reduce_loss(loss, 'sum') == 6.
    with pytest.raises(ValueError, match='reduction'):
        reduce_loss(loss, 'avg')


def test_weight_reduce_loss_with_weight_and_avg_factor():
    loss = torch.tensor([1., 2., 3., 4.])
    weight = torch.tensor([1., 0., 1., 0.])
    assert weight_reduce_loss(loss, weight, 'sum') == 4.
    assert weight_reduce_loss(loss, weight, 'mean') == 1.
    # avg_factor replaces the element count of the mean
    assert weight_reduce_loss(loss, weight, 'mean', avg_factor=2) == 2.
    assert torch.equal(weight_reduce_loss(loss, None, 'none', avg_factor=2), loss)
    with pytest.raises(ValueError, match='avg_factor'):
        weight_reduce_loss(loss, None, 'sum', avg_factor=2)


def test_weighted_loss_decorator():

    @weighted_loss
    def l1(pred, target):
        return (pred - target).abs()

    pred, target = torch.tensor([0., 2., 5.]), torch.tensor([1., 1., 1.])
    assert l1(pred, target) == 2.
    assert l1(pred, target, reduction='sum') == 6.
    assert l1(pred, target, weight=torch.tensor([1., 1., 0.]), reduction='sum') == 2.
    assert l1(pred, target, reduction='mean', avg_factor=3.) == 2.
    assert l1.__name__ == 'l1'


def test_convert_to_one_hot():
    one_hot = convert_to_one_hot(torch.tensor([[2], [0]]), 4)
    assert one_hot.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0]]
    with pytest.raises(ValueError, match='out of range'):
        convert_to_one_hot(torch.tensor([[4]]), 4)
