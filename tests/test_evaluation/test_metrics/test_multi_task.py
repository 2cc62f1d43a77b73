"""MultiTasksMetric: per-task metrics with eval masks."""
import pytest
import torch

from mmcls.evaluation import Evaluator, MultiTasksMetric


def task_sample(score, label, eval_mask=True):
    return {'pred_label': {'score': torch.tensor(score)},
            'gt_label': {'label': torch.tensor([label])}, 'eval_mask': eval_mask}


def sample(s0, g0, s1, g1, mask1=True):
    return {'task0': task_sample(s0, g0), 'task1': task_sample(s1, g1, mask1)}


def test_per_task_names_and_masks():
    metric = MultiTasksMetric({'task0': [dict(type='Accuracy', topk=(1, ))],
                               'task1': [dict(type='Accuracy', topk=(1, 3))]})
    data = [sample([0.7, 0.0, 0.3], 0, [0.5, 0.2, 0.3], 2),
            sample([0.0, 0.0, 1.0], 2, [0.0, 0.0, 1.0], 2),
            sample([1.0, 0.0, 0.0], 1, [1.0, 0.0, 0.0], 1, mask1=False)]
    res = Evaluator(metric).offline_evaluate(data)
    assert res == pytest.approx({'task0_accuracy/top1': 200 / 3, 'task1_accuracy/top1': 50.0,
                                 'task1_accuracy/top3': 100.0})


def test_task_without_labels_reports_zero_and_meta_propagates():
    metric = MultiTasksMetric({'task0': dict(type='Accuracy'), 'task1': dict(type='Accuracy')})
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = {'classes': ('a', 'b', 'c')}
    assert metric._metrics['task1'][0].dataset_meta == {'classes': ('a', 'b', 'c')}
    res = evaluator.offline_evaluate([sample([0.1, 0.9, 0.0], 1, [1., 0, 0], 0, mask1=False)])
    assert res == {'task0_accuracy/top1': 100.0, 'task1_Accuracy': 0}
    with pytest.raises(KeyError, match="no task 'task0'"):
        metric.process(None, [{'other': {}}])
