"""CSRAClsHead: the residual-attention formula, multi-label prediction and the zoo fixture."""
import pytest
import torch

from mmcls.models.heads.multi_label_csra_head import CSRAClsHead
from mmcls.structures import ClsDataSample


def test_single_head_matches_the_formula():
    torch.manual_seed(0)
    head = CSRAClsHead(num_classes=3, in_channels=4, num_heads=1, lam=0.1)
    x = torch.randn(2, 4, 5, 5)
    weight = head.csra_heads[0].head.weight  # (3, 4, 1, 1)
    normed = weight[:, :, 0, 0] / weight[:, :, 0, 0].norm(dim=1, keepdim=True)
    score = torch.einsum('ck,nkhw->nchw', normed, x).flatten(2)
    attention = (score * torch.softmax(score, dim=2)).sum(2)  # temperature 1
    torch.testing.assert_close(head((x, )), score.mean(2) + 0.1 * attention)


def test_two_heads_add_a_max_pooling_head():
    head = CSRAClsHead(num_classes=3, in_channels=4, num_heads=2, lam=0.5)
    assert [m.T for m in head.csra_heads] == [1, 99]
    x = torch.randn(1, 4, 3, 3)
    expected = head.csra_heads[0](x) + head.csra_heads[1](x)
    torch.testing.assert_close(head((x, )), expected)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='num_heads'):
        CSRAClsHead(num_classes=3, in_channels=4, num_heads=3, lam=0.1)
    with pytest.raises(ValueError, match='lam'):
        CSRAClsHead(num_classes=3, in_channels=4, num_heads=1, lam=0)


def test_loss_and_predict_are_multi_label():
    head = CSRAClsHead(num_classes=3, in_channels=4, num_heads=1, lam=0.1, thr=0.5)
    x = (torch.randn(2, 4, 3, 3), )
    samples = [ClsDataSample().set_gt_label([0, 2]), ClsDataSample().set_gt_label([1])]
    loss = head.loss(x, samples)['loss']
    assert loss.ndim == 0 and loss > 0
    preds = head.predict(x)
    assert len(preds) == 2 and preds[0].pred_label.score.shape == (3, )
    assert ((preds[0].pred_label.score > 0.5).nonzero().flatten().tolist()
            == preds[0].pred_label.label.tolist())


def test_zoo_fixture(check_zoo_model):
    check_zoo_model('resnet101-csra_1xb16_voc07-448px')
