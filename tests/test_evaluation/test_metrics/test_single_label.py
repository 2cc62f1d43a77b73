"""Accuracy / SingleLabelMetric against hand-computed values and scikit-learn."""
import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support, top_k_accuracy_score

from mmcls.evaluation import Accuracy, Evaluator, SingleLabelMetric
from mmcls.registry import METRICS
from mmcls.structures import ClsDataSample

# 6 samples, 4 classes; class 3 is never predicted.
SCORES = torch.tensor([
    [0.70, 0.10, 0.10, 0.10],  # pred 0, gt 0  correct
    [0.20, 0.50, 0.20, 0.10],  # pred 1, gt 1  correct
    [0.10, 0.60, 0.25, 0.05],  # pred 1, gt 2  wrong; gt is 2nd best
    [0.30, 0.20, 0.40, 0.10],  # pred 2, gt 2  correct (score 0.40)
    [0.40, 0.35, 0.05, 0.20],  # pred 0, gt 3  wrong; gt is 3rd best
    [0.26, 0.25, 0.25, 0.24],  # pred 0, gt 1  wrong; gt is 2nd best
])
TARGET = torch.tensor([0, 1, 2, 2, 3, 1])


def samples(scores=SCORES, target=TARGET):
    return [ClsDataSample().set_gt_label(int(t)).set_pred_score(s)
            for s, t in zip(scores, target)]


def evaluate(metric_cfg, data=None):
    evaluator = Evaluator(metric_cfg)
    evaluator.process(data or samples())
    return evaluator.evaluate(len(data or samples()))


def test_accuracy_topk_hand_computed():
    res = evaluate(dict(type='Accuracy', topk=(1, 2, 3)))
    assert res['accuracy/top1'] == pytest.approx(300 / 6)
    assert res['accuracy/top2'] == pytest.approx(500 / 6)
    assert res['accuracy/top3'] == pytest.approx(100.0)
    assert list(res) == ['accuracy/top1', 'accuracy/top2', 'accuracy/top3']


def test_accuracy_matches_sklearn():
    rng = np.random.default_rng(0)
    scores = rng.random((50, 7)).astype(np.float32)
    target = rng.integers(0, 7, 50)
    top1, top5 = Accuracy.calculate(scores, target, topk=(1, 5))
    assert top1[0].item() == pytest.approx(100 * accuracy_score(target, scores.argmax(1)))
    assert top5[0].item() == pytest.approx(
        100 * top_k_accuracy_score(target, scores, k=5, labels=range(7)), rel=1e-5)


def test_accuracy_thresholds_names_and_filtering():
    res = evaluate(dict(type='Accuracy', topk=1, thrs=(None, 0.45, 0.65)))
    # correct top-1 scores are 0.70, 0.50, 0.40
    assert res == pytest.approx({'accuracy/top1_no-thr': 50.0,
                                 'accuracy/top1_thr-0.45': 100 * 2 / 6,
                                 'accuracy/top1_thr-0.65': 100 * 1 / 6})
    # a single threshold adds no suffix
    assert list(evaluate(dict(type='Accuracy', thrs=0.45))) == ['accuracy/top1']


def test_accuracy_label_only_predictions():
    data = [ClsDataSample().set_gt_label(t).set_pred_label(p)
            for p, t in zip([0, 2, 1, 3], [0, 1, 2, 3])]
    assert evaluate(dict(type='Accuracy'), data) == {'accuracy/top1': 50.0}
    assert Accuracy.calculate([0, 2, 1, 3], [0, 1, 2, 3]).tolist() == [50.0]


def test_accuracy_errors():
    with pytest.raises(ValueError, match='Top-5 accuracy is unavailable .* categories is 4'):
        evaluate(dict(type='Accuracy', topk=(1, 5)))
    with pytest.raises(ValueError, match='nothing to evaluate'):
        Accuracy.calculate(torch.zeros(0, 3), torch.zeros(0))
    with pytest.raises(ValueError, match="doesn't match"):
        Accuracy.calculate(torch.zeros(2, 3), torch.zeros(3))
    with pytest.raises(ValueError, match='topk must be positive'):
        Accuracy(topk=0)
    metric = Accuracy()
    with pytest.raises(ValueError, match='Accuracy got no results'):
        metric.evaluate(10)


def test_single_label_macro_matches_sklearn_with_unpredicted_class():
    res = evaluate(dict(type='SingleLabelMetric', items=('precision', 'recall', 'f1-score',
                                                         'support')))
    pred = SCORES.argmax(1).numpy()
    p, r, f, _ = precision_recall_fscore_support(TARGET.numpy(), pred, average='macro',
                                                 labels=range(4), zero_division=0)
    assert res['single-label/precision'] == pytest.approx(100 * p, rel=1e-5)
    assert res['single-label/recall'] == pytest.approx(100 * r, rel=1e-5)
    # MMClassification averages the per-class F1 values, like sklearn's macro F1.
    assert res['single-label/f1-score'] == pytest.approx(100 * f, rel=1e-5)
    assert res['single-label/support'] == 6


def test_single_label_micro_and_classwise():
    micro = evaluate(dict(type='SingleLabelMetric', average='micro'))
    p, r, f, _ = precision_recall_fscore_support(TARGET.numpy(), SCORES.argmax(1).numpy(),
                                                 average='micro')
    assert micro == pytest.approx({'single-label/precision_micro': 100 * p,
                                   'single-label/recall_micro': 100 * r,
                                   'single-label/f1-score_micro': 100 * f})
    classwise = evaluate(dict(type='SingleLabelMetric', average=None, items=['precision']))
    # class 0: predicted 3 times, 1 correct; class 1: 2/1; class 2: 1/1; class 3: never.
    assert classwise['single-label/precision_classwise'] == pytest.approx(
        [100 / 3, 50.0, 100.0, 0.0])


def test_single_label_thresholds():
    # thr 0.45 drops the top-1 predictions with score <= 0.45 (samples 3, 4, 5)
    res = SingleLabelMetric.calculate(SCORES, TARGET, thrs=(None, 0.45), average='micro')
    assert res[0][1].item() == pytest.approx(50.0)  # recall without threshold
    assert res[1][0].item() == pytest.approx(100 * 2 / 3)  # 3 kept, 2 correct
    assert res[1][1].item() == pytest.approx(100 * 2 / 6)
    names = evaluate(dict(type='SingleLabelMetric', thrs=(0.1, 0.45)))
    assert 'single-label/precision_thr-0.10' in names
    assert 'single-label/f1-score_thr-0.45' in names


def test_single_label_labels_need_num_classes():
    data = [ClsDataSample().set_gt_label(t).set_pred_label(p)
            for p, t in zip([0, 1, 1, 3], [0, 2, 1, 3])]
    res = evaluate(dict(type='SingleLabelMetric', num_classes=4), data)
    assert res == pytest.approx({'single-label/precision': 62.5, 'single-label/recall': 75.0,
                                 'single-label/f1-score': 200 / 3}, rel=1e-5)
    with pytest.raises(ValueError, match='num_classes'):
        evaluate(dict(type='SingleLabelMetric'), data)


def test_single_label_bad_arguments():
    with pytest.raises(ValueError, match="unknown item 'accuracy'"):
        SingleLabelMetric(items=['accuracy'])
    with pytest.raises(ValueError, match='invalid average'):
        SingleLabelMetric(average='weighted')
    with pytest.raises(ValueError, match='outside'):
        SingleLabelMetric.calculate([0, 5], [0, 1], num_classes=3)


def test_prefix_and_registry():
    metric = METRICS.build(dict(type='Accuracy', prefix='val'))
    metric.process(None, [s.to_dict() for s in samples()])
    assert list(metric.evaluate(6)) == ['val/top1']
    assert METRICS.get('SingleLabelMetric') is SingleLabelMetric


def test_reads_flat_mmpretrain_layout():
    flat = [{'pred_score': s, 'pred_label': s.argmax(0, keepdim=True), 'gt_label': t.view(1)}
            for s, t in zip(SCORES, TARGET)]
    res = Evaluator(dict(type='Accuracy', topk=(1, 2))).offline_evaluate(flat)
    assert res['accuracy/top1'] == pytest.approx(50.0)
    assert res['accuracy/top2'] == pytest.approx(500 / 6)


def test_accuracy_ann_file_restricts_topk_to_its_labels(tmp_path):
    ann = tmp_path / 'imagenet_a.txt'
    ann.write_text('a/x.JPEG 3\nb/y.JPEG 1\nc/z.JPEG 3\n')
    samples = [ClsDataSample().set_gt_label(1).set_pred_score(torch.tensor([.5, .2, .2, .1])),
               ClsDataSample().set_gt_label(3).set_pred_score(torch.tensor([.1, .2, .3, .4]))]
    assert Evaluator(Accuracy()).offline_evaluate(samples) == {'accuracy/top1': 50.0}
    metric = Accuracy(ann_file=str(ann))
    assert metric.index_candidates == [3, 1]
    assert Evaluator(metric).offline_evaluate(samples) == {'accuracy/top1': 100.0}
    with pytest.raises(FileNotFoundError, match='ann_file'):
        Accuracy(ann_file=str(tmp_path / 'missing.txt'))


def test_invalid_target_type_is_named_in_the_error():
    """The TypeError names the rejected type (``<class 'str'> is not an ...``)."""
    from mmcls.evaluation import MultiLabelMetric
    labels = torch.tensor([0, 1])
    with pytest.raises(TypeError, match="<class 'str'> is not an accepted type"):
        Accuracy.calculate(labels, 'hi')
    with pytest.raises(TypeError, match="<class 'str'> is not an accepted type"):
        SingleLabelMetric.calculate(labels, 'hi')
    with pytest.raises(TypeError, match="<class 'str'> is not an accepted type"):
        MultiLabelMetric.calculate(torch.rand(2, 3), 'hi', num_classes=3)
