"""ConfigDict: attribute access, conversion, copies, pickling, error messages."""
import copy
import pickle

import pytest

from mmcls.config import Config, ConfigDict


def test_nested_mappings_are_converted_inside_lists_and_tuples():
    cfg = ConfigDict(model=dict(backbone=dict(depth=50)),
                     pipeline=[dict(type='A'), (dict(type='B'), 1)])
    assert cfg.model.backbone.depth == 50
    assert isinstance(cfg.pipeline[0], ConfigDict) and cfg.pipeline[0].type == 'A'
    assert isinstance(cfg.pipeline[1], tuple) and cfg.pipeline[1][0].type == 'B'


def test_attribute_and_item_writes_convert_values():
    cfg = ConfigDict()
    cfg.head = dict(loss=dict(type='CrossEntropyLoss'))
    cfg['neck'] = {'type': 'GlobalAveragePooling'}
    cfg.update(extra=[{'x': 1}])
    cfg.setdefault('other', {'y': 2})
    assert cfg.head.loss.type == 'CrossEntropyLoss'
    assert cfg.neck.type == 'GlobalAveragePooling'
    assert cfg.extra[0].x == 1 and cfg.other.y == 2
    del cfg.other
    assert 'other' not in cfg


def test_missing_key_errors_name_key_path_and_file(cfg_dir):
    path = cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py'
    cfg = Config.fromfile(path)
    with pytest.raises(AttributeError) as info:
        cfg.model.backbone.dpeth
    message = str(info.value)
    assert "'dpeth'" in message and "'model.backbone'" in message
    assert str(path) in message and "did you mean 'depth'" in message
    with pytest.raises(KeyError, match='resnet50_8xb32_in1k.py'):
        cfg.model['nekc']
    with pytest.raises(AttributeError, match="did you mean 'model'"):
        cfg.modle
    assert not hasattr(cfg, 'not_a_key')
    assert getattr(cfg.model, 'not_a_key', 'default') == 'default'


def test_dict_behaviour_is_kept():
    cfg = ConfigDict(a=1, b=dict(c=2))
    assert cfg.get('a') == 1 and cfg.get('zz', 5) == 5
    assert 'b' in cfg and 'zz' not in cfg
    assert cfg == {'a': 1, 'b': {'c': 2}}
    assert isinstance(cfg.copy(), ConfigDict)
    assert cfg.to_dict() == {'a': 1, 'b': {'c': 2}}
    assert type(cfg.to_dict()['b']) is dict


def test_copy_deepcopy_and_pickle_keep_type_and_independence():
    cfg = ConfigDict(model=dict(backbone=dict(depth=50)), topk=(1, 5))
    shallow = copy.copy(cfg)
    deep = copy.deepcopy(cfg)
    unpickled = pickle.loads(pickle.dumps(cfg))
    deep.model.backbone.depth = 101
    assert cfg.model.backbone.depth == 50
    shallow.model.backbone.depth = 18  # shares the nested dict
    assert cfg.model.backbone.depth == 18
    assert unpickled.model.backbone.depth == 50 and unpickled.topk == (1, 5)
    assert isinstance(unpickled.model.backbone, ConfigDict)
    with pytest.raises(AttributeError, match="'model.backbone'"):
        unpickled.model.backbone.missing


def test_reserved_slot_names_cannot_be_set_as_attributes():
    cfg = ConfigDict()
    with pytest.raises(AttributeError, match='reserved'):
        cfg._source = 'x'
