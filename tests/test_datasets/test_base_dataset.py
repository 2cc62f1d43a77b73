import json
import os.path as osp
import pickle
import warnings

import numpy as np
import pytest
import yaml

from mmcls.datasets import BaseDataset, MultiLabelDataset
from mmcls.registry import DATASETS


def _ann(tmp_path, name='ann.json', data_list=None, metainfo=None):
    content = dict(metainfo=metainfo if metainfo is not None else dict(classes=['cat', 'dog']),
                   data_list=data_list if data_list is not None else [
                       dict(img_path=f'img_{i}.jpg', gt_label=i % 2) for i in range(6)])
    path = tmp_path / name
    if name.endswith('.json'):
        path.write_text(json.dumps(content))
    elif name.endswith(('.yaml', '.yml')):
        path.write_text(yaml.safe_dump(content))
    else:
        path.write_bytes(pickle.dumps(content))
    return str(path)


@pytest.mark.parametrize('name', ['ann.json', 'ann.yaml', 'ann.pkl'])
def test_loads_openmmlab_formats(tmp_path, name):
    dataset = BaseDataset(ann_file=_ann(tmp_path, name), data_prefix='imgs')
    assert len(dataset) == 6
    assert dataset.CLASSES == ('cat', 'dog')
    assert dataset.metainfo['classes'] == ('cat', 'dog')
    assert dataset.class_to_idx == {'cat': 0, 'dog': 1}
    info = dataset.get_data_info(3)
    assert info == dict(img_path=osp.join('imgs', 'img_3.jpg'), gt_label=1, sample_idx=3)
    assert dataset.get_data_info(-1)['sample_idx'] == 5
    np.testing.assert_array_equal(dataset.get_gt_labels(), [0, 1, 0, 1, 0, 1])
    assert dataset.get_cat_ids(1) == [1]
    assert DATASETS.get('BaseDataset') is BaseDataset


def test_seed_img_label_key_and_data_root(tmp_path):
    ann = _ann(tmp_path, data_list=[dict(img_path='a.jpg', img_label=1)])
    dataset = BaseDataset(ann_file='ann.json', data_root=str(tmp_path), data_prefix='train')
    assert dataset.ann_file == ann
    assert dataset.get_data_info(0)['gt_label'] == 1
    assert dataset.get_data_info(0)['img_path'] == osp.join(str(tmp_path), 'train', 'a.jpg')


def test_classes_sources_and_priority(tmp_path):
    ann = _ann(tmp_path)
    assert BaseDataset(ann_file=ann, classes=['x', 'y']).CLASSES == ('x', 'y')
    classes_file = tmp_path / 'classes.txt'
    classes_file.write_text('first\nsecond\n\n')
    assert BaseDataset(ann_file=ann, classes=str(classes_file)).CLASSES == ('first', 'second')
    assert BaseDataset(ann_file=ann, metainfo=dict(classes=['m', 'n'])).CLASSES == ('m', 'n')
    with pytest.warns(UserWarning, match='takes precedence'):
        both = BaseDataset(ann_file=ann, classes=['a', 'b'], metainfo=dict(classes=['c', 'd']))
    assert both.CLASSES == ('c', 'd')  # metainfo wins, as in MMClassification 1.x
    with pytest.raises(TypeError, match='classes must be'):
        BaseDataset(ann_file=ann, classes=3)
    with pytest.raises(ValueError, match="type <class 'dict'>"):  # rc6 raises ValueError here
        BaseDataset(ann_file=ann, classes=dict(classes=1))
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        BaseDataset(ann_file=ann, classes=str(tmp_path / 'missing.txt'))


def test_class_metainfo_and_categories(tmp_path):
    class Pets(BaseDataset):
        METAINFO = dict(classes=('a', 'b', 'c'))

    assert Pets(ann_file=_ann(tmp_path)).CLASSES == ('a', 'b', 'c')
    ann = _ann(tmp_path, 'cat.json', metainfo=dict(
        categories=[dict(id=1, category_name='dog'), dict(id=0, category_name='cat')]))
    assert BaseDataset(ann_file=ann).CLASSES == ('cat', 'dog')


def test_bad_annotation_files_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        BaseDataset(ann_file=str(tmp_path / 'nope.json'))
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match='bad.json.*data_list'):
        BaseDataset(ann_file=str(bad))
    with pytest.raises(ValueError, match='unsupported suffix'):
        (tmp_path / 'a.txt').write_text('x')
        BaseDataset(ann_file=str(tmp_path / 'a.txt'))
    with pytest.raises(ValueError, match='needs an ann_file'):
        BaseDataset()


@pytest.mark.parametrize('indices,expected', [(3, [0, 1, 2]), (-2, [4, 5]), ([5, 0], [5, 0])])
@pytest.mark.parametrize('serialize', [True, False])
def test_indices(tmp_path, indices, expected, serialize):
    dataset = BaseDataset(ann_file=_ann(tmp_path), indices=indices, serialize_data=serialize)
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    assert paths == [f'img_{i}.jpg' for i in expected]


def test_serialized_and_plain_agree_and_copies_are_fresh(tmp_path):
    ann = _ann(tmp_path)
    packed = BaseDataset(ann_file=ann, serialize_data=True)
    plain = BaseDataset(ann_file=ann, serialize_data=False)
    assert packed.data_list == [] and len(plain.data_list) == 6
    for i in range(6):
        assert packed.get_data_info(i) == plain.get_data_info(i)
    for dataset in (packed, plain):
        dataset.get_data_info(0)['gt_label'] = 7
        assert dataset.get_data_info(0)['gt_label'] == 0
    with pytest.raises(IndexError, match='out of range'):
        packed.get_data_info(6)


def test_lazy_init_and_subsets(tmp_path):
    dataset = BaseDataset(ann_file=_ann(tmp_path), lazy_init=True)
    assert "Haven't been initialized" in repr(dataset)
    assert not dataset._fully_initialized
    assert len(dataset) == 6  # initialises on demand
    subset = dataset.get_subset([1, 3])
    assert len(subset) == 2 and len(dataset) == 6
    assert subset.get_data_info(1)['img_path'] == 'img_3.jpg'
    dataset.get_subset_(2)
    assert len(dataset) == 2


def test_pipeline_callables_and_repr(tmp_path):
    def add_flag(results):
        results['flag'] = True
        return results

    dataset = BaseDataset(ann_file=_ann(tmp_path), pipeline=[add_flag])
    assert dataset[2]['flag'] is True and dataset[2]['sample_idx'] == 2
    text = repr(dataset)
    lines = text.splitlines()
    assert lines[0] == 'Dataset BaseDataset'
    assert lines[1] == '    Number of samples: \t6'
    assert lines[2] == '    Number of categories: \t2'
    assert lines[3].startswith('    Annotation file: \t')
    assert 'With transforms:' in text and 'add_flag' in text
    no_classes = BaseDataset(ann_file=_ann(tmp_path, 'n.json', metainfo={}))
    assert 'The `CLASSES` meta info is not set.' in repr(no_classes)


def _failing_on(bad_paths):
    def load(results):
        if results['img_path'] in bad_paths:
            raise OSError(f"cannot decode {results['img_path']}")
        return results
    return load


def test_training_refetches_and_warns_with_file_name(tmp_path):
    np.random.seed(0)
    dataset = BaseDataset(ann_file=_ann(tmp_path), pipeline=[_failing_on({'img_0.jpg'})])
    with pytest.warns(UserWarning, match=r'img_0\.jpg.*OSError'):
        result = dataset[0]
    assert result['img_path'] != 'img_0.jpg'


def test_none_from_pipeline_is_refetched(tmp_path):
    np.random.seed(1)
    dataset = BaseDataset(ann_file=_ann(tmp_path),
                          pipeline=[lambda r: None if r['gt_label'] == 0 else r])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert dataset[0]['gt_label'] == 1
    assert any('returned None' in str(w.message) for w in caught)


def test_refetch_gives_up_after_max_refetch(tmp_path):
    all_paths = {f'img_{i}.jpg' for i in range(6)}
    dataset = BaseDataset(ann_file=_ann(tmp_path), pipeline=[_failing_on(all_paths)],
                          max_refetch=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with pytest.raises(RuntimeError, match='after 3 refetches'):
            dataset[0]
    assert len(caught) == 4


def test_test_mode_raises_at_once_naming_the_file(tmp_path):
    dataset = BaseDataset(ann_file=_ann(tmp_path), pipeline=[_failing_on({'img_1.jpg'})],
                          test_mode=True)
    with pytest.raises(RuntimeError, match=r'img_1\.jpg.*test mode'):
        dataset[1]
    assert dataset[0]['img_path'] == 'img_0.jpg'


def test_dict_pipeline_needs_transforms_package_or_builds(tmp_path):
    try:
        from mmcls.datasets.transforms import Compose  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match='mmcls.datasets.transforms'):
            BaseDataset(ann_file=_ann(tmp_path), pipeline=[dict(type='LoadImageFromFile')])
    else:
        dataset = BaseDataset(ann_file=_ann(tmp_path), pipeline=[dict(type='LoadImageFromFile')])
        assert len(dataset.pipeline.transforms) == 1


def test_dataset_pickles(tmp_path):
    dataset = BaseDataset(ann_file=_ann(tmp_path))
    clone = pickle.loads(pickle.dumps(dataset))
    assert clone.get_data_info(4) == dataset.get_data_info(4)


def test_multi_label_dataset(tmp_path):
    ann = _ann(tmp_path, data_list=[dict(img_path='1.jpg', img_label=[0, 1]),
                                    dict(img_path='2.jpg', img_label=[2])],
               metainfo=dict(classes=['A', 'B', 'C']))
    dataset = MultiLabelDataset(ann_file=ann)
    assert dataset.get_cat_ids(0) == [0, 1]
    assert dataset.get_data_info(1)['gt_label'] == [2]
    assert [labels.tolist() for labels in dataset.get_gt_labels()] == [[0, 1], [2]]
    assert DATASETS.build(dict(type='MultiLabelDataset', ann_file=ann)).CLASSES == ('A', 'B', 'C')


def _identity_collate(batch):
    return batch


def test_dataloader_workers_read_the_serialized_list(tmp_path):
    import torch

    dataset = BaseDataset(ann_file=_ann(tmp_path))
    loader = torch.utils.data.DataLoader(dataset, batch_size=3, num_workers=2,
                                         collate_fn=_identity_collate)
    seen = [item['img_path'] for batch in loader for item in batch]
    assert seen == [f'img_{i}.jpg' for i in range(6)]


def test_classes_with_metainfo_in_the_rc6_forms(tmp_path, monkeypatch):
    ann = _ann(tmp_path)
    names_file = tmp_path / 'names.txt'
    names_file.write_text('kitten\npuppy\n')
    # classes joins the other metainfo keys
    dataset = BaseDataset(ann_file=ann, classes=('x', 'y'), metainfo=dict(source='web'))
    assert dataset.CLASSES == ('x', 'y') and dataset.metainfo['source'] == 'web'
    # a classes file under ~, with a metainfo of other keys
    monkeypatch.setenv('HOME', str(tmp_path))
    home = BaseDataset(ann_file=ann, classes='~/names.txt', metainfo=dict(source='web'))
    assert home.CLASSES == ('kitten', 'puppy')
    # metainfo naming no classes (None) leaves them to the argument
    assert BaseDataset(ann_file=ann, classes=['x', 'y'],
                       metainfo=dict(classes=None)).CLASSES == ('x', 'y')
    # metainfo's classes as a file, agreeing with the argument: no warning
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        same = BaseDataset(ann_file=ann, classes=['kitten', 'puppy'],
                           metainfo=dict(classes=str(names_file)))
    assert same.CLASSES == ('kitten', 'puppy')
