"""RetrievalRecall: Recall@k of ranked gallery items."""
import pytest
import torch

from mmcls.evaluation import Evaluator, RetrievalRecall
from mmcls.structures import ClsDataSample


def test_calculate_with_indices_and_scores():
    res = RetrievalRecall.calculate([[0], [1], [2], [3]], [[0, 1], [2], [1], [0, 3]], topk=1,
                                    pred_indices=True, target_indices=True)
    assert [r.item() for r in res] == [50.0]
    scores = torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]])
    onehot = torch.tensor([[0, 0, 1], [0, 0, 1]])
    # query 0 ranks gallery 2 second, query 1 first
    assert [r.item() for r in RetrievalRecall.calculate(scores, onehot, topk=(1, 2))] == \
        [50.0, 100.0]


def test_metric_with_label_indices():
    data = [ClsDataSample().set_gt_label([2]).set_pred_score(torch.tensor([0.9, 0.1, 0.5])),
            ClsDataSample().set_gt_label([0, 2]).set_pred_score(torch.tensor([0.2, 0.3, 0.8]))]
    res = Evaluator(dict(type='RetrievalRecall', topk=(1, 2))).offline_evaluate(data)
    assert res == {'retrieval/Recall@1': 50.0, 'retrieval/Recall@2': 100.0}


def test_bad_topk():
    with pytest.raises(ValueError, match='topk must be positive'):
        RetrievalRecall(topk=0)


def test_topk_beyond_the_gallery_size_is_refused():
    scores = torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.3, 0.8]])
    onehot = torch.tensor([[0, 0, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match='topk 5 exceeds the gallery size 3'):
        RetrievalRecall.calculate(scores, onehot, topk=(1, 5))
    data = [ClsDataSample().set_gt_label([2]).set_pred_score(scores[0])]
    with pytest.raises(ValueError, match='gallery size'):
        Evaluator(dict(type='RetrievalRecall', topk=4)).offline_evaluate(data)
    # ranked indices are cut to the k asked for, as before
    res = RetrievalRecall.calculate([[0]], [[0]], topk=5, pred_indices=True, target_indices=True)
    assert [r.item() for r in res] == [100.0]


def test_pred_and_target_types_are_checked_first():
    ragged = [[0, 2, 5, 8, 9], [1, 4, 6]]
    with pytest.raises(TypeError, match='pred must be a tensor, an ndarray or a sequence, '
                                        'got dict'):
        RetrievalRecall.calculate(dict(), ragged, topk=1, pred_indices=True)
    with pytest.raises(TypeError, match='target must be .* got dict'):
        RetrievalRecall.calculate([[0], [1]], dict(), topk=1, pred_indices=True,
                                  target_indices=True)
