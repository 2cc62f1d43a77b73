"""MultiTaskHead: per-task losses with partially labelled batches, predictions with eval masks."""
import pytest
import torch

from mmcls.evaluation.metrics.multi_task import MultiTasksMetric
from mmcls.models.heads.multi_task_head import MultiTaskHead
from mmcls.registry import MODELS
from mmcls.structures import BaseDataElement, ClsDataSample
from mmcls.structures.multi_task_data_sample import MultiTaskDataSample


def _head():
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='MultiTaskHead',
        task_heads=dict(colour=dict(type='LinearClsHead', num_classes=3),
                        tags=dict(type='MultiLabelLinearClsHead', num_classes=4, in_channels=5)),
        in_channels=5))


def _sample(colour=None, tags=None):
    sample = BaseDataElement(metainfo=dict(img_path='x.png'))
    if colour is not None:
        sample.set_field(ClsDataSample().set_gt_label(colour), 'colour')
    if tags is not None:
        sample.set_field(ClsDataSample().set_gt_label(tags), 'tags')
    return sample


def test_shared_kwargs_and_forward():
    head = _head()
    assert head.task_heads['colour'].in_channels == 5
    out = head((torch.randn(2, 5), ))
    assert out['colour'].shape == (2, 3) and out['tags'].shape == (2, 4)
    with pytest.raises(ValueError, match='task_heads'):
        MultiTaskHead(task_heads={})
    with pytest.raises(TypeError, match=r"task_heads\['a'\]"):
        MultiTaskHead(task_heads=dict(a=3))


def test_loss_uses_only_the_samples_labelled_for_each_task():
    head = _head()
    feats = (torch.randn(3, 5), )
    samples = [_sample(colour=0, tags=[1]), _sample(colour=2), _sample(tags=[0, 3])]
    losses = head.loss(feats, samples)
    assert set(losses) == {'colour_loss', 'colour_mask_size', 'tags_loss', 'tags_mask_size'}
    assert losses['colour_mask_size'].item() == 2.0 and losses['tags_mask_size'].item() == 2.0
    expected = head.task_heads['colour'].loss((feats[0][:2], ),
                                              [samples[0].colour, samples[1].colour])['loss']
    torch.testing.assert_close(losses['colour_loss'], expected)
    sum(losses.values()).backward()
    assert head.task_heads['tags'].fc.weight.grad.abs().sum() > 0


def test_task_without_labels_in_the_batch_gets_a_zero_loss_with_gradients():
    head = _head()
    losses = head.loss((torch.randn(2, 5, requires_grad=True), ), [_sample(colour=1)] * 2)
    assert losses['tags_loss'].item() == 0.0 and losses['tags_mask_size'].item() == 0.0
    losses['tags_loss'].backward()
    assert head.task_heads['tags'].fc.weight.grad is not None


def test_predict_marks_unlabelled_tasks_and_feeds_multi_tasks_metric():
    head = _head()
    feats = (torch.randn(2, 5), )
    results = head.predict(feats, [_sample(colour=1), _sample(colour=0, tags=[2])])
    assert all(isinstance(r, MultiTaskDataSample) for r in results)
    assert results[0].tags.eval_mask is False and results[1].tags.eval_mask is True
    assert results[0].colour.eval_mask is True
    assert results[0].colour.pred_label.score.shape == (3, )
    assert results[0].img_path == 'x.png'
    metric = MultiTasksMetric(task_metrics=dict(
        colour=[dict(type='Accuracy')], tags=[dict(type='AveragePrecision')]))
    metric.process(None, [r.to_dict() for r in results])
    assert len(metric._metrics['tags'][0].results) == 1
    assert len(metric._metrics['colour'][0].results) == 2
    unlabelled = head.predict(feats)
    assert unlabelled[0].tasks == ['colour', 'tags']
    assert unlabelled[0].colour.eval_mask is False


def test_nested_multi_task_head():
    head = MultiTaskHead(task_heads=dict(
        colour=dict(type='LinearClsHead', num_classes=3),
        group=dict(type='MultiTaskHead',
                   task_heads=dict(size=dict(type='LinearClsHead', num_classes=2)))),
        in_channels=4)
    inner = MultiTaskDataSample()
    inner.set_field(ClsDataSample().set_gt_label(1), 'size')
    outer = _sample(colour=2)
    outer.set_field(inner, 'group')
    losses = head.loss((torch.randn(1, 4), ), [outer])
    assert set(losses) == {'colour_loss', 'colour_mask_size', 'group_size_loss',
                           'group_size_mask_size', 'group_mask_size'}
    result, = head.predict((torch.randn(1, 4), ), [outer])
    assert result.group.size.pred_label.label.shape == (1, )
    assert result.group.eval_mask is True
