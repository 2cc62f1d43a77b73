"""MultiLabelMetric, AveragePrecision and the VOC variants."""
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from mmcls.evaluation import (AveragePrecision, Evaluator, MultiLabelMetric, VOCAveragePrecision,
                              VOCMultiLabelMetric)
from mmcls.structures import ClsDataSample

PRED = torch.tensor([[0.9, 0.8, 0.3, 0.2],
                     [0.1, 0.2, 0.2, 0.1],
                     [0.7, 0.5, 0.9, 0.3],
                     [0.8, 0.1, 0.1, 0.2]])
TARGET = torch.tensor([[1, 1, 0, 0],
                       [0, 1, 0, 0],
                       [0, 0, 1, 0],
                       [1, 0, 0, 0]])


def random_problem(seed=0, n=60, c=6):
    rng = np.random.default_rng(seed)
    scores = rng.random((n, c)).astype(np.float32)
    target = (rng.random((n, c)) < 0.35).astype(np.int64)
    target[0] = 1  # every class has a positive
    return scores, target


def test_index_inputs_hand_computed():
    res = MultiLabelMetric.calculate([[0], [1], [0, 1], [3]], [[0, 3], [0, 2], [1], [3]],
                                     pred_indices=True, target_indices=True, num_classes=4)
    assert [round(v.item(), 4) for v in res] == [50.0, 50.0, 45.8333, 6]


@pytest.mark.parametrize('average', ['macro', 'micro'])
def test_threshold_matches_sklearn(average):
    scores, target = random_problem()
    p, r, f, _ = precision_recall_fscore_support(target, scores >= 0.6, average=average,
                                                 zero_division=0)
    ours = MultiLabelMetric.calculate(scores, target, thr=0.6, average=average)
    assert ours[0].item() == pytest.approx(100 * p, rel=1e-5)
    assert ours[1].item() == pytest.approx(100 * r, rel=1e-5)
    if average == 'micro':  # macro F1 of mmcls is the mean of per-class F1, as sklearn's
        assert ours[2].item() == pytest.approx(100 * f, rel=1e-5)
    assert ours[3].item() == target.sum()


def test_topk_and_classwise():
    pred = PRED.clone()
    pred[1, 1] = 0.25  # no tie: top-1 picks are classes 0, 1, 2, 0
    res = MultiLabelMetric.calculate(pred, TARGET, topk=1, average=None)
    assert res[0].tolist() == pytest.approx([100.0, 100.0, 100.0, 0.0])
    # class 1 is a target of rows 0 and 1 but only picked in row 1; class 3 never appears
    assert res[1].tolist() == pytest.approx([100.0, 50.0, 100.0, 0.0])
    with pytest.raises(ValueError, match='topk=5 is larger'):
        MultiLabelMetric.calculate(PRED, TARGET, topk=5)


def test_metric_names_both_thr_topk():
    data = [ClsDataSample().set_gt_label(torch.nonzero(t).flatten()).set_pred_score(p)
            for p, t in zip(PRED, TARGET)]
    res = Evaluator(dict(type='MultiLabelMetric', average='both')).offline_evaluate(data)
    assert set(res) == {f'multi-label/{k}{s}' for k in ('precision', 'recall', 'f1-score')
                        for s in ('', '_micro')}
    res = Evaluator(dict(type='MultiLabelMetric', thr=0.3, items=['support'])).offline_evaluate(
        data)
    assert res == {'multi-label/support_thr-0.30': 5}
    res = Evaluator(dict(type='MultiLabelMetric', topk=2, average=None,
                         items=['recall'])).offline_evaluate(data)
    assert list(res) == ['multi-label/recall_top2_classwise'] and len(res[list(res)[0]]) == 4
    with pytest.raises(ValueError, match='invalid average'):
        MultiLabelMetric(average='weighted')


def test_gt_score_is_used_when_present():
    data = [ClsDataSample().set_gt_score(t.float()).set_pred_score(p) for p, t in zip(PRED, TARGET)]
    res = Evaluator(dict(type='AveragePrecision')).offline_evaluate(data)
    assert res['multi-label/mAP'] == pytest.approx(70.8333, abs=1e-3)


def test_average_precision_matches_sklearn():
    scores, target = random_problem(3)
    ours = AveragePrecision.calculate(scores, target, average=None)
    expected = [average_precision_score(target[:, k], scores[:, k]) for k in range(6)]
    assert ours.tolist() == pytest.approx([100 * e for e in expected], rel=1e-5)
    assert AveragePrecision.calculate(scores, target).item() == pytest.approx(
        100 * np.mean(expected), rel=1e-5)
    with pytest.raises(ValueError, match='nothing to evaluate'):
        AveragePrecision.calculate(np.zeros((0, 3)), np.zeros((0, 3)))


def voc_samples():
    # one image: class 0 positive, class 1 only difficult, class 2 both difficult and normal
    sample = ClsDataSample(metainfo={'gt_label_difficult': [1, 2]}).set_gt_label([0, 2])
    sample.set_pred_score(torch.tensor([0.9, 0.8, 0.7, 0.1]))
    other = ClsDataSample(metainfo={'gt_label_difficult': []}).set_gt_label([1])
    other.set_pred_score(torch.tensor([0.1, 0.2, 0.1, 0.9]))
    return [sample, other]


@pytest.mark.parametrize('difficult_as_positive,expected_recall_1', [
    (False, 0.0),   # class 1 of image 0 is negative: 0.8 >= 0.5 is a false positive
    (True, 50.0),   # image 0 counts as positive, image 1 is missed
    (None, 0.0),    # image 0 is ignored: only image 1, which is missed
])
def test_voc_difficult_modes(difficult_as_positive, expected_recall_1):
    metric = dict(type='VOCMultiLabelMetric', average=None, items=['precision', 'recall'],
                  difficult_as_positive=difficult_as_positive)
    res = Evaluator(metric).offline_evaluate(voc_samples())
    assert res['multi-label/recall_classwise'][1] == pytest.approx(expected_recall_1)
    # class 2 is also a normal object, so it stays positive in every mode
    assert res['multi-label/recall_classwise'][2] == pytest.approx(100.0)
    precision_1 = res['multi-label/precision_classwise'][1]
    assert precision_1 == pytest.approx({False: 0.0, True: 100.0, None: 0.0}[
        difficult_as_positive])


def test_voc_average_precision_ignores_difficult():
    res = Evaluator(dict(type='VOCAveragePrecision', average=None,
                         difficult_as_positive=None)).offline_evaluate(voc_samples())
    # class 1: image 0 ignored, image 1 positive -> AP 100
    assert res['multi-label/AP_classwise'][1] == pytest.approx(100.0)
    res = Evaluator(dict(type='VOCAveragePrecision', average=None,
                         difficult_as_positive=False)).offline_evaluate(voc_samples())
    # negative: image 0 (0.8) ranks above image 1 (0.2) -> AP 50
    assert res['multi-label/AP_classwise'][1] == pytest.approx(50.0)
    assert isinstance(VOCMultiLabelMetric(), MultiLabelMetric)
    assert isinstance(VOCAveragePrecision(), AveragePrecision)


def test_voc_metrics_ignore_difficult_labels_by_default():
    assert VOCMultiLabelMetric().difficult_as_positive is None
    assert VOCAveragePrecision().difficult_as_positive is None
    default = Evaluator(VOCAveragePrecision()).offline_evaluate(voc_samples())
    ignored = Evaluator(VOCAveragePrecision(difficult_as_positive=None)).offline_evaluate(
        voc_samples())
    assert default == ignored


def test_voc_metric_mixin_makes_a_multi_label_metric_difficult_aware():
    from mmcls.evaluation.metrics.voc_multi_label import VOCMetricMixin

    class VOCRecall(VOCMetricMixin, MultiLabelMetric):
        pass

    metric = VOCRecall(average=None, items=['recall'], difficult_as_positive=True)
    metric.process(None, voc_samples())
    # image 0 has class 1 only as difficult: marked positive (1) in its gt scores
    assert metric.results[0]['gt_score'][1] == 1
    res = metric.compute_metrics(metric.results)
    assert res['recall_classwise'][1] == pytest.approx(50.0)
    with pytest.raises(ValueError, match='difficult_as_positive'):
        VOCRecall(difficult_as_positive='yes')
