"""Class names and test pipelines read from configs."""
import pytest

from mmcls.apis.config_info import classes_from_config, dataset_config, get_test_pipeline
from mmcls.config import Config


def _config(dataset, **extra):
    return Config(dict(test_dataloader=dict(batch_size=1, dataset=dataset), **extra))


def test_classes_from_names_file_metainfo_and_dataset_type(tmp_path):
    names = tmp_path / 'classes.txt'
    names.write_text('cat\ndog\n\n')
    assert classes_from_config(_config(dict(type='CustomDataset', classes=str(names)))) == \
        ('cat', 'dog')
    assert classes_from_config(_config(dict(type='X', classes=['a', 'b']))) == ('a', 'b')
    assert classes_from_config(_config(dict(metainfo=dict(classes=('u', ))))) == ('u', )
    mnist = _config(dict(type='MNIST', data_prefix='data/mnist'))
    assert classes_from_config(mnist)[:2] == ('0 - zero', '1 - one')
    assert classes_from_config(mnist, use_dataset_type=False) is None
    assert classes_from_config(_config(dict(type='NoSuchDataset'))) is None
    assert classes_from_config(_config(dict(classes=str(tmp_path / 'missing.txt')))) is None
    assert classes_from_config(Config(dict(model=dict()))) is None


def test_dataset_config_unwraps_wrappers_and_falls_back_to_val():
    inner = dict(type='CustomDataset', pipeline=[dict(type='PackClsInputs')])
    cfg = Config(dict(val_dataloader=dict(dataset=dict(type='RepeatDataset', times=2,
                                                       dataset=inner))))
    assert dataset_config(cfg)['type'] == 'CustomDataset'


def test_test_pipeline_drops_the_loader():
    loader = dict(type='LoadImageFromFile', color_type='grayscale')
    cfg = _config(dict(pipeline=[loader, dict(type='Resize', scale=32),
                                 dict(type='PackClsInputs')]))
    transforms, load_cfg = get_test_pipeline(cfg)
    assert [t['type'] for t in transforms] == ['Resize', 'PackClsInputs']
    assert load_cfg['color_type'] == 'grayscale'
    in_memory = _config(dict(pipeline=[dict(type='PackClsInputs')]))
    assert get_test_pipeline(in_memory) == ([dict(type='PackClsInputs')], {})
    explicit = _config(dict(pipeline=[]), test_pipeline=[dict(type='PackClsInputs')])
    assert get_test_pipeline(explicit)[0] == [dict(type='PackClsInputs')]
    with pytest.raises(KeyError, match='no test pipeline'):
        get_test_pipeline(Config(dict(model=dict())))
