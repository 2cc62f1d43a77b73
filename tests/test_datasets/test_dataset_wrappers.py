import json
import math

import numpy as np
import pytest

from mmcls.datasets import (BaseDataset, ClassBalancedDataset, ConcatDataset, KFoldDataset,
                            RepeatDataset)
from mmcls.registry import DATASETS


def _ann(tmp_path, labels, name='ann.json', classes=('a', 'b', 'c')):
    path = tmp_path / name
    path.write_text(json.dumps(dict(
        metainfo=dict(classes=list(classes)),
        data_list=[dict(img_path=f'{name}_{i}.jpg', gt_label=l) for i, l in enumerate(labels)])))
    return str(path)


def _cfg(tmp_path, labels, name='ann.json', **kwargs):
    return dict(type='BaseDataset', ann_file=_ann(tmp_path, labels, name), **kwargs)


def test_concat(tmp_path):
    first = BaseDataset(ann_file=_ann(tmp_path, [0, 1], 'a.json'))
    concat = ConcatDataset([first, _cfg(tmp_path, [2, 2, 1], 'b.json')])
    assert len(concat) == 5
    assert concat.get_data_info(2)['img_path'] == 'b.json_0.jpg'
    assert concat[-1]['img_path'] == 'b.json_2.jpg'
    assert concat.get_cat_ids(3) == [2]
    assert concat.metainfo['classes'] == ('a', 'b', 'c')
    with pytest.raises(IndexError):
        concat.get_data_info(5)
    other = BaseDataset(ann_file=_ann(tmp_path, [0], 'c.json', classes=('x', 'y')))
    with pytest.raises(ValueError, match=r"metainfo\['classes'\] of dataset 1"):
        ConcatDataset([first, other])
    assert len(ConcatDataset([first, other], ignore_keys='classes')) == 3


def test_repeat(tmp_path):
    repeat = DATASETS.build(dict(type='RepeatDataset', times=3,
                                 dataset=_cfg(tmp_path, [0, 1])))
    assert len(repeat) == 6
    assert [repeat.get_data_info(i)['sample_idx'] for i in range(6)] == [0, 1, 0, 1, 0, 1]
    with pytest.raises(ValueError, match='times'):
        RepeatDataset(_cfg(tmp_path, [0]), times=0)


def test_class_balanced_repeat_factors(tmp_path):
    labels = [0] * 8 + [1] * 2
    balanced = ClassBalancedDataset(_cfg(tmp_path, labels), oversample_thr=0.5)
    # class 1 has frequency 0.2: factor sqrt(0.5 / 0.2) ~ 1.58 -> each sample twice
    factor = math.ceil(math.sqrt(0.5 / 0.2))
    assert len(balanced) == 8 + 2 * factor
    counts = np.bincount([balanced.get_cat_ids(i)[0] for i in range(len(balanced))])
    assert counts.tolist() == [8, 4]
    lazy = ClassBalancedDataset(_cfg(tmp_path, labels), oversample_thr=0.5, lazy_init=True)
    assert not lazy._fully_initialized and len(lazy) == 12


@pytest.mark.parametrize('seed', [None, 3])
@pytest.mark.parametrize('size,num_splits', [(10, 5), (11, 3), (7, 7)])
def test_kfold_partitions(tmp_path, seed, size, num_splits):
    cfg = _cfg(tmp_path, [i % 3 for i in range(size)])
    all_val = []
    for fold in range(num_splits):
        train = KFoldDataset(cfg, fold=fold, num_splits=num_splits, seed=seed)
        val = KFoldDataset(cfg, fold=fold, num_splits=num_splits, seed=seed, test_mode=True)
        train_paths = {train.get_data_info(i)['img_path'] for i in range(len(train))}
        val_paths = [val.get_data_info(i)['img_path'] for i in range(len(val))]
        assert not train_paths & set(val_paths)
        assert len(train_paths) + len(val_paths) == size
        assert len(val) in (size // num_splits, size // num_splits + 1)
        all_val.extend(val_paths)
    assert sorted(all_val) == sorted(f'ann.json_{i}.jpg' for i in range(size))
    if seed is None:
        assert all_val == [f'ann.json_{i}.jpg' for i in range(size)]  # no shuffle


def test_kfold_details(tmp_path):
    base = BaseDataset(ann_file=_ann(tmp_path, list(range(3)) * 2))
    val = KFoldDataset(base, fold=1, num_splits=3, test_mode=True)
    assert [val.get_data_info(i)['img_path'] for i in range(2)] == ['ann.json_2.jpg',
                                                                   'ann.json_3.jpg']
    assert val[0]['img_path'] == 'ann.json_2.jpg'
    assert val.get_cat_ids(1) == [0]
    assert val.metainfo['classes'] == ('a', 'b', 'c') and len(base) == 6
    lazy = KFoldDataset(dict(_cfg(tmp_path, [0, 1]), lazy_init=True))
    assert not lazy._fully_initialized and len(lazy) == 2  # fold 0 of 5 is empty
    repeat = RepeatDataset(base, times=2)  # not a BaseDataset: indexed through a map
    folded = KFoldDataset(repeat, fold=0, num_splits=2, test_mode=True)
    assert [folded.get_data_info(i)['sample_idx'] for i in range(6)] == [0, 1, 2, 3, 4, 5]
    assert folded.get_gt_labels().tolist() == [0, 1, 2, 0, 1, 2]
    shuffled = KFoldDataset(base, fold=1, num_splits=3, seed=0)
    assert shuffled.get_gt_labels().tolist() == [shuffled.get_cat_ids(i)[0] for i in range(4)]
    train = KFoldDataset(base, fold=1, num_splits=3)
    assert sorted(train.get_gt_labels().tolist() + val.get_gt_labels().tolist()) == [
        0, 0, 1, 1, 2, 2]
    assert val.class_to_idx == {'a': 0, 'b': 1, 'c': 2}
    with pytest.raises(ValueError, match='fold must be'):
        KFoldDataset(base, fold=3, num_splits=3)
    with pytest.raises(ValueError, match='num_splits'):
        KFoldDataset(base, num_splits=1)
    with pytest.raises(TypeError, match='dataset config'):
        KFoldDataset(42)
