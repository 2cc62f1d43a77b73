"""MultiTaskDataset read from a json annotation file, packed per task by PackMultiTaskInputs."""
import json

import numpy as np
import pytest
from PIL import Image

from mmcls.registry import DATASETS


@pytest.fixture
def data_root(tmp_path):
    (tmp_path / 'train').mkdir()
    rng = np.random.default_rng(0)
    for name in ('a.jpg', 'b.jpg'):
        Image.fromarray(rng.integers(0, 255, (12, 10, 3), dtype=np.uint8)).save(
            tmp_path / 'train' / name)
    annotation = dict(metainfo=dict(tasks=['gender', 'wear']), data_list=[
        dict(img_path='a.jpg', gt_label=dict(gender=0, wear=[1, 0, 1, 0])),
        dict(img_path='b.jpg', gt_label=dict(gender=1, wear=[0, 1, 0, 0])),
    ])
    (tmp_path / 'train.json').write_text(json.dumps(annotation))
    return tmp_path


def test_multi_task_dataset_loads_and_packs(data_root):
    dataset = DATASETS.build(dict(
        type='MultiTaskDataset', ann_file='train.json', data_root=str(data_root),
        data_prefix='train', metainfo=dict(extra=1),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='PackMultiTaskInputs',
                       task_handlers=dict(wear=dict(type='PackClsInputs')))]))
    assert len(dataset) == 2
    assert dataset.metainfo == dict(tasks=['gender', 'wear'], extra=1)
    assert dataset.data_list[1]['img_path'] == str(data_root / 'train' / 'b.jpg')
    packed = dataset[1]
    assert tuple(packed['inputs'].shape) == (3, 12, 10)
    sample = packed['data_samples']
    assert sample.gender.gt_label.label.tolist() == [1]
    assert sample.wear.gt_label.label.tolist() == [0, 1, 0, 0]
    assert 'Number of samples: \t2' in repr(dataset)
    assert 'For 2 tasks\n     gender \n     wear \n    With transforms:\n        ' in repr(dataset)


def test_multi_task_dataset_errors_name_the_file_and_item(data_root):
    (data_root / 'bad.json').write_text(json.dumps(dict(data_list=[dict(img_path='a.jpg',
                                                                        gt_label=3)])))
    with pytest.raises(ValueError, match=r'bad.json: data_list\[0\]\["gt_label"\]'):
        DATASETS.build(dict(type='MultiTaskDataset', ann_file='bad.json',
                            data_root=str(data_root)))
    (data_root / 'flat.json').write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match='flat.json: .*"data_list"'):
        DATASETS.build(dict(type='MultiTaskDataset', ann_file='flat.json',
                            data_root=str(data_root)))


def test_isabs_treats_uris_as_absolute():
    from mmcls.datasets.multi_task import isabs
    assert isabs('/data/a.jpg') and isabs('s3://bucket/a.jpg') and isabs('http://host/a.jpg')
    assert not isabs('a.jpg') and not isabs('images/a.jpg')
