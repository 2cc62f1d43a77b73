import pytest
import torch
import torch.nn.functional as F

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample

torch.manual_seed(0)


def samples(labels, scores=None):
    out = []
    for i, label in enumerate(labels):
        sample = ClsDataSample().set_gt_label(label)
        if scores is not None:
            sample.set_gt_score(scores[i])
        out.append(sample)
    return out


def test_cls_head_loss_and_accuracy():
    head = MODELS.build(dict(type='ClsHead', topk=(1, 2), cal_acc=True))
    logits = torch.tensor([[3., 1., 0.], [0., 2., 1.], [0., 1., 2.], [1., 0., 3.]])
    labels = [0, 2, 1, 2]
    losses = head.loss((logits, ), samples(labels))
    assert torch.allclose(losses['loss'], F.cross_entropy(logits, torch.tensor(labels)))
    assert losses['accuracy_top-1'].item() == pytest.approx(50.)
    assert losses['accuracy_top-2'].item() == pytest.approx(100.)


def test_cls_head_soft_targets_and_cal_acc_conflict():
    scores = torch.softmax(torch.randn(2, 3), dim=1)
    head = MODELS.build(dict(type='ClsHead', loss=dict(type='CrossEntropyLoss', use_soft=True)))
    logits = torch.randn(2, 3)
    loss = head.loss((logits, ), samples([0, 1], scores))['loss']
    assert torch.allclose(loss, -(scores * F.log_softmax(logits, 1)).sum(1).mean())
    acc_head = MODELS.build(dict(type='ClsHead', cal_acc=True,
                                 loss=dict(type='CrossEntropyLoss', use_soft=True)))
    with pytest.raises(ValueError, match='cal_acc'):
        acc_head.loss((logits, ), samples([0, 1], scores))


def test_cls_head_predict():
    head = MODELS.build(dict(type='ClsHead'))
    logits = torch.tensor([[0., 2., 1.], [5., 0., 0.]])
    preds = head.predict((logits, ))
    assert [p.pred_label.label.item() for p in preds] == [1, 0]
    assert torch.allclose(preds[0].pred_label.score, torch.softmax(logits[0], 0))
    given = samples([2, 0])
    preds = head.predict((logits, ), given)
    assert preds[0] is given[0] and preds[0].gt_label.label.item() == 2


def test_linear_cls_head():
    head = MODELS.build(dict(type='LinearClsHead', num_classes=5, in_channels=8))
    head.init_weights()
    feats = (torch.rand(2, 4), torch.rand(2, 8))
    assert torch.allclose(head(feats), head.fc(feats[1]))
    assert torch.equal(head.pre_logits(feats), feats[1])
    assert head.fc.weight.std().item() < 0.05  # Normal(std=0.01) init
    assert len(head.predict(feats)) == 2
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(dict(type='LinearClsHead', num_classes=0, in_channels=8))


def test_stacked_linear_cls_head():
    head = MODELS.build(
        dict(type='StackedLinearClsHead', num_classes=3, in_channels=8, mid_channels=[16, 4],
             dropout_rate=0.2, norm_cfg=dict(type='BN1d'), act_cfg=dict(type='HSwish')))
    keys = set(head.state_dict())
    assert {'layers.0.fc.weight', 'layers.0.norm.weight', 'layers.1.fc.weight',
            'layers.2.fc.weight'} <= keys
    assert 'layers.2.norm.weight' not in keys
    head.eval()
    x = torch.rand(4, 8)
    assert head.pre_logits((x, )).shape == (4, 4)
    assert head((x, )).shape == (4, 3)
    losses = head.loss((x, ), samples([0, 1, 2, 0]))
    assert losses['loss'] > 0
    with pytest.raises(TypeError, match='mid_channels'):
        MODELS.build(dict(type='StackedLinearClsHead', num_classes=3, in_channels=8,
                          mid_channels=16))


def test_vision_transformer_head():
    head = MODELS.build(dict(type='VisionTransformerClsHead', num_classes=4, in_channels=6))
    head.init_weights()
    patch, cls_token = torch.rand(2, 6, 3, 3), torch.rand(2, 6)
    assert torch.count_nonzero(head((( patch, cls_token), ))) == 0  # zero-initialised
    assert torch.equal(head.pre_logits(((patch, cls_token), )), cls_token)
    assert torch.equal(head.pre_logits((cls_token, )), cls_token)  # plain token input
    hidden = MODELS.build(
        dict(type='VisionTransformerClsHead', num_classes=4, in_channels=6, hidden_dim=5))
    hidden.init_weights()
    assert set(hidden.state_dict()) == {'layers.pre_logits.weight', 'layers.pre_logits.bias',
                                        'layers.head.weight', 'layers.head.bias'}
    pre = hidden.pre_logits(((patch, cls_token), ))
    assert torch.allclose(pre, torch.tanh(hidden.layers.pre_logits(cls_token)))
    assert hidden.layers.pre_logits.weight.abs().sum() > 0


def test_deit_head():
    head = MODELS.build(dict(type='DeiTClsHead', num_classes=4, in_channels=6))
    for p in head.parameters():
        torch.nn.init.normal_(p)
    patch, cls_token, dist_token = torch.rand(2, 6, 2, 2), torch.rand(2, 6), torch.rand(2, 6)
    out = head(((patch, cls_token, dist_token), ))
    expected = (head.layers.head(cls_token) + head.layers.head_dist(dist_token)) / 2
    assert torch.allclose(out, expected)
    assert 'layers.head_dist.weight' in head.state_dict()
    with pytest.raises(RuntimeError, match='distilled'):
        head.loss(((patch, cls_token, dist_token), ), samples([0, 1]))


def test_multi_label_cls_head():
    head = MODELS.build(dict(type='MultiLabelClsHead'))
    logits = torch.tensor([[2., -1., 0.5], [-3., -2., 4.]])
    preds = head.predict((logits, ))
    assert preds[0].pred_label.label.tolist() == [0, 2]  # sigmoid >= 0.5
    assert torch.allclose(preds[1].pred_label.score, torch.sigmoid(logits[1]))
    topk = MODELS.build(dict(type='MultiLabelClsHead', topk=1))
    assert [p.pred_label.label.tolist() for p in topk.predict((logits, ))] == [[0], [2]]
    gt = samples([[0, 2], [1]])
    target = torch.tensor([[1., 0., 1.], [0., 1., 0.]])
    expected = F.binary_cross_entropy_with_logits(logits, target, reduction='sum') / 2
    assert torch.allclose(head.loss((logits, ), gt)['loss'], expected)


def test_multi_label_linear_cls_head():
    head = MODELS.build(
        dict(type='MultiLabelLinearClsHead', num_classes=3, in_channels=5, thr=0.3))
    x = torch.rand(2, 5)
    assert torch.allclose(head((x, )), head.fc(x))
    losses = head.loss((x, ), samples([[0], [1, 2]]))
    assert losses['loss'].ndim == 0
    preds = head.predict((x, ))
    assert all(p.pred_label.score.shape == (3, ) for p in preds)
