"""ConfusionMatrix against scikit-learn, and its plot."""
import matplotlib

matplotlib.use('Agg')

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from mmcls.evaluation import ConfusionMatrix, Evaluator  # noqa: E402
from mmcls.structures import ClsDataSample  # noqa: E402


def test_calculate_labels_and_scores_match_sklearn():
    rng = np.random.default_rng(1)
    scores = rng.random((40, 5))
    target = rng.integers(0, 5, 40)
    expected = confusion_matrix(target, scores.argmax(1), labels=range(5))
    assert ConfusionMatrix.calculate(scores, target).numpy().tolist() == expected.tolist()
    assert ConfusionMatrix.calculate(scores.argmax(1), target, num_classes=5).tolist() == \
        expected.tolist()


def test_metric_through_evaluator():
    data = [ClsDataSample().set_gt_label(t).set_pred_score(torch.eye(3)[p])
            for p, t in zip([0, 1, 1, 2, 2], [0, 2, 1, 2, 0])]
    res = Evaluator(dict(type='ConfusionMatrix')).offline_evaluate(data, chunk_size=2)
    assert res['confusion_matrix/result'].tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 1]]


def test_labels_only_need_num_classes():
    data = [ClsDataSample().set_gt_label(1).set_pred_label(0)]
    with pytest.raises(ValueError, match='num_classes'):
        Evaluator(dict(type='ConfusionMatrix')).offline_evaluate(data)
    res = Evaluator(dict(type='ConfusionMatrix', num_classes=2)).offline_evaluate(data)
    assert res['confusion_matrix/result'].tolist() == [[0, 0], [1, 0]]


def test_plot_returns_figure(tmp_path):
    matrix = ConfusionMatrix.calculate([0, 1, 1, 3], [0, 2, 1, 3], num_classes=4)
    fig = ConfusionMatrix.plot(matrix, include_values=True, classes=['a', 'b', 'c', 'd'],
                               show=False)
    out = tmp_path / 'cm.png'
    fig.savefig(out)
    assert out.stat().st_size > 1000
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count('1') == 4 and len(texts) == 16
