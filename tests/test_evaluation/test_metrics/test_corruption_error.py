"""CorruptionError: mCE over ImageNet-C corruption folders."""
import pytest
import torch

from mmcls.evaluation import ALEXNET_CORRUPTION_ERROR, CorruptionError, Evaluator
from mmcls.structures import ClsDataSample


def sample(path, gt, pred):
    return ClsDataSample(metainfo={'img_path': path}).set_gt_label(gt).set_pred_score(
        torch.eye(3)[pred])


def test_mce_hand_computed():
    data = [sample('data/imagenet-c/fog/1/n01/a.JPEG', 0, 0),      # fog: 1 of 2 wrong
            sample('data/imagenet-c/fog/5/n01/b.JPEG', 1, 2),
            sample('data/imagenet-c/snow/3/n02/c.JPEG', 2, 2),     # snow: all right
            sample('data/imagenet/val/n03/d.JPEG', 0, 1)]          # not ImageNet-C: ignored
    res = Evaluator(dict(type='CorruptionError')).offline_evaluate(data)
    fog = 0.5 / ALEXNET_CORRUPTION_ERROR['fog']
    assert res == {'accuracy/mCE': pytest.approx((fog + 0.0) / 2)}


def test_mce_needs_corruption_folders():
    metric = CorruptionError()
    metric.process(None, [sample('val/a.JPEG', 0, 0).to_dict()])
    with pytest.raises(ValueError, match='no ImageNet-C corruption'):
        metric.evaluate(1)
    with pytest.raises(KeyError, match='img_path'):
        metric.process(None, [ClsDataSample().set_gt_label(0).set_pred_label(0).to_dict()])


def test_mce_with_ann_file_ranks_candidate_classes_first(tmp_path):
    ann = tmp_path / 'ann.txt'
    ann.write_text('fog/1/a.JPEG 1\nfog/1/b.JPEG 2\n')
    # class 0 wins on raw scores but is not a candidate: 1 is ranked first.
    data = [ClsDataSample(metainfo={'img_path': 'data/imagenet-c/fog/1/n01/a.JPEG'})
            .set_gt_label(1).set_pred_score(torch.tensor([0.6, 0.3, 0.1]))]
    assert Evaluator(CorruptionError()).offline_evaluate(data)['accuracy/mCE'] > 0
    assert Evaluator(CorruptionError(ann_file=str(ann))).offline_evaluate(data) == {'accuracy/mCE': 0.0}


def test_mce_from_hand_built_records():
    """compute_metrics takes records of img_path, gt_label and pred_score only."""
    records = [dict(pred_score=torch.tensor([0.7, 0.0, 0.3]), gt_label=torch.tensor([0]),
                    img_path='a/b/c/gaussian_noise') for _ in range(10)]
    assert CorruptionError().compute_metrics(records) == {'mCE': 0.0}
    records[0]['gt_label'] = torch.tensor([1])
    error = 10.0 / (100.0 * ALEXNET_CORRUPTION_ERROR['gaussian_noise'])
    assert CorruptionError().compute_metrics(records)['mCE'] == pytest.approx(error)
