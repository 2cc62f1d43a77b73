"""ClsDataSample / BaseDataElement behaviour used by transforms, heads and metrics."""
import numpy as np
import pytest
import torch

from mmcls.structures import BaseDataElement, ClsDataSample, format_label


def test_set_labels_from_every_type():
    for value in (3, [3], np.array([3]), torch.tensor(3), torch.tensor([3])):
        sample = ClsDataSample().set_gt_label(value)
        assert torch.equal(sample.gt_label.label, torch.tensor([3]))
    multi = ClsDataSample().set_gt_label([1, 4])
    assert multi.gt_label.label.tolist() == [1, 4]
    with pytest.raises(TypeError, match='cannot convert'):
        ClsDataSample().set_gt_label('cat')


def test_label_range_checked_against_num_classes():
    with pytest.raises(ValueError, match='out of range for 3 classes'):
        format_label(5, num_classes=3)
    sample = ClsDataSample(metainfo=dict(num_classes=3))
    with pytest.raises(ValueError):
        sample.set_pred_label(3)


def test_scores_and_labels_share_one_element():
    sample = ClsDataSample().set_pred_score(torch.tensor([0.1, 0.7, 0.2])).set_pred_label(1)
    assert sample.pred_label.label.tolist() == [1]
    assert sample.pred_label.score.shape == (3, )
    assert sample.pred_label.num_classes == 3
    sample.set_gt_score([0., 1., 0.])
    with pytest.raises(ValueError, match='1-D'):
        sample.set_gt_score([[0., 1.]])


def test_first_score_sets_the_sample_num_classes():
    sample = ClsDataSample().set_pred_score(torch.tensor([0.1, 0.1, 0.6, 0.1, 0.1]))
    assert sample.num_classes == 5 and 'num_classes' in sample.metainfo
    sample.set_pred_score(torch.tensor([0.2, 0.1, 0.5, 0.1, 0.1]))  # same length: accepted
    with pytest.raises(ValueError, match='num_classes of the sample is 5'):
        sample.set_gt_score([1., 2.])
    with pytest.raises(ValueError, match='num_classes of the sample is 5'):
        sample.set_pred_score([1., 2.])
    preset = ClsDataSample(metainfo=dict(num_classes=3))
    with pytest.raises(ValueError, match='gt_label score has 2 entries'):
        preset.set_gt_score([0., 1.])


def test_metainfo_and_data_fields_are_separate():
    sample = ClsDataSample(metainfo=dict(img_path='a.jpg', img_shape=(4, 5)))
    sample.set_gt_label(1)
    assert sample.metainfo == {'img_path': 'a.jpg', 'img_shape': (4, 5)}
    assert sample.keys() == ['gt_label'] and 'img_path' in sample
    with pytest.raises(AttributeError, match='already a metainfo field'):
        sample.set_field(1, 'img_path', field_type='data')
    assert sample.get('missing', 7) == 7


def test_to_dict_nests_and_to_moves_tensors():
    sample = ClsDataSample(metainfo=dict(img_path='a.jpg')).set_gt_label(2).set_pred_score([0.5, 0.5])
    as_dict = sample.to_dict()
    assert as_dict['img_path'] == 'a.jpg'
    assert as_dict['gt_label']['label'].tolist() == [2]
    assert as_dict['pred_label']['score'].tolist() == [0.5, 0.5]
    moved = sample.to(torch.float64)
    assert moved.pred_label.score.dtype == torch.float64
    assert sample.pred_label.score.dtype == torch.float32  # original untouched
    arrays = sample.numpy()
    assert isinstance(arrays.gt_label.label, np.ndarray)


def test_new_clone_pop():
    element = BaseDataElement(metainfo=dict(a=1), x=torch.ones(2))
    clone = element.clone()
    assert clone.a == 1 and torch.equal(clone.x, element.x)
    fresh = element.new(y=3)
    assert fresh.keys() == ['y'] and fresh.a == 1
    assert element.pop('x').shape == (2, ) and 'x' not in element
    with pytest.raises(KeyError):
        element.pop('x')
