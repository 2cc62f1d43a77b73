"""Evaluator: building, merging, dataset_meta, offline evaluation."""
import pytest
import torch

from mmcls.evaluation import Accuracy, BaseMetric, Evaluator
from mmcls.registry import EVALUATOR
from mmcls.structures import ClsDataSample


class RecordingMetric(BaseMetric):
    default_prefix = 'rec'

    def process(self, data_batch, data_samples):
        self.results.extend((data_batch, s) for s in data_samples)

    def compute_metrics(self, results):
        return {'n': len(results), 'types': sorted({type(s).__name__ for _, s in results})}


def samples(n=4):
    return [ClsDataSample().set_gt_label(i % 2).set_pred_score(torch.tensor([0.6, 0.4]))
            for i in range(n)]


def test_single_config_list_and_instances():
    assert len(Evaluator(dict(type='Accuracy')).metrics) == 1
    evaluator = Evaluator([dict(type='Accuracy'), Accuracy(prefix='other')])
    evaluator.process(samples())
    assert evaluator.evaluate(4) == {'accuracy/top1': 50.0, 'other/top1': 50.0}
    assert EVALUATOR.build(dict(type='Evaluator', metrics=dict(type='Accuracy'))).metrics


def test_samples_become_dicts_and_batch_is_passed():
    metric = RecordingMetric()
    evaluator = Evaluator(metric)
    evaluator.process(samples(3), data_batch='batch')
    assert metric.results[0][0] == 'batch'
    assert evaluator.evaluate(3) == {'rec/n': 3, 'rec/types': ['dict']}
    assert metric.results == []  # reset after evaluate


def test_evaluate_drops_padding_beyond_size():
    metric = RecordingMetric()
    evaluator = Evaluator(metric)
    evaluator.process(samples(5))
    assert evaluator.evaluate(3)['rec/n'] == 3


def test_duplicate_names_raise():
    evaluator = Evaluator([dict(type='Accuracy'), dict(type='Accuracy')])
    evaluator.process(samples())
    with pytest.raises(ValueError, match="'accuracy/top1'.*prefix"):
        evaluator.evaluate(4)


def test_dataset_meta_propagates():
    evaluator = Evaluator([dict(type='Accuracy'), dict(type='SingleLabelMetric')])
    evaluator.dataset_meta = {'classes': ('cat', 'dog')}
    assert all(m.dataset_meta == {'classes': ('cat', 'dog')} for m in evaluator.metrics)


def test_offline_evaluate_chunks_and_data():
    metric = RecordingMetric()
    data = [f'input{i}' for i in range(5)]
    res = Evaluator(metric).offline_evaluate([s.to_dict() for s in samples(5)], data,
                                             chunk_size=2)
    assert res['rec/n'] == 5
    with pytest.raises(ValueError, match='same length'):
        Evaluator(RecordingMetric()).offline_evaluate(samples(2), data)


def test_bad_arguments():
    with pytest.raises(ValueError, match='non-empty list'):
        Evaluator([])
    with pytest.raises(TypeError, match='BaseMetric or a config dict'):
        Evaluator([42])
    with pytest.raises(KeyError, match='Acuracy'):
        Evaluator(dict(type='Acuracy'))
    with pytest.raises(ValueError, match="collect_device must be 'cpu' or 'gpu'"):
        Accuracy(collect_device='tpu')
    with pytest.raises(ValueError, match='no results'):
        Evaluator(dict(type='Accuracy')).offline_evaluate([])


def test_duck_typed_metrics_are_accepted():
    """An object with process() and evaluate() is a metric, as in MMEngine's evaluator."""
    class CountingMetric:
        def __init__(self):
            self.seen = 0

        def process(self, data_batch, data_samples):
            self.seen += len(data_samples)

        def evaluate(self, size):
            return {'count/n': self.seen}

    metric = CountingMetric()
    evaluator = Evaluator([metric])
    assert evaluator.metrics == [metric]
    evaluator.process([dict(a=1), dict(a=2)])
    assert evaluator.evaluate(2) == {'count/n': 2}
    single = Evaluator(CountingMetric())
    single.dataset_meta = dict(classes=('a', ))
    assert single.metrics[0].dataset_meta == dict(classes=('a', ))
