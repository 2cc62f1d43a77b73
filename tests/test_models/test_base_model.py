import pytest
import torch

from mmcls.models.base_model import BaseModel


def test_parse_losses_sums_loss_entries():
    losses = {
        'loss_cls': torch.tensor([1., 3.]),
        'loss_aux': [torch.tensor(1.), torch.tensor([2., 4.])],
        'accuracy': torch.tensor(50.),
    }
    loss, log_vars = BaseModel.parse_losses(losses)
    assert loss.item() == pytest.approx(2. + 4.)
    assert list(log_vars) == ['loss', 'loss_cls', 'loss_aux', 'accuracy']
    assert log_vars['accuracy'].item() == 50.


def test_parse_losses_errors():
    with pytest.raises(TypeError, match="'loss' must be a tensor"):
        BaseModel.parse_losses({'loss': 1.0})
    with pytest.raises(ValueError, match='nothing to optimise'):
        BaseModel.parse_losses({'accuracy': torch.tensor(1.)})


def test_base_model_is_abstract():
    with pytest.raises(TypeError):
        BaseModel(data_preprocessor=torch.nn.Identity())
