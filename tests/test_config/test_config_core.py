"""Config: construction, access, copies, pickling, merge_from_dict, custom_imports."""
import copy
import pickle
import sys
import warnings

import pytest

from mmcls.config import Config, ConfigDict


def test_config_from_dict_has_attribute_and_item_access():
    cfg = Config(dict(model=dict(type='ImageClassifier', backbone=dict(depth=18))))
    assert cfg.filename is None and cfg.text == ''
    assert cfg.model.backbone.depth == 18
    assert cfg['model']['type'] == 'ImageClassifier'
    assert isinstance(cfg.model, ConfigDict)
    assert 'model' in cfg and len(cfg) == 1 and list(cfg) == ['model']
    assert cfg.get('missing', 3) == 3 and list(cfg.keys()) == ['model']
    cfg.work_dir = './work_dirs/x'
    cfg['seed'] = 0
    assert cfg.to_dict() == {'model': {'type': 'ImageClassifier', 'backbone': {'depth': 18}},
                             'work_dir': './work_dirs/x', 'seed': 0}
    del cfg.seed
    assert 'seed' not in cfg
    assert Config(cfg).to_dict() == cfg.to_dict()


def test_config_rejects_non_mapping_and_reserved_keys():
    with pytest.raises(TypeError, match='must be a dict'):
        Config([1, 2])
    with pytest.raises(KeyError, match='reserved'):
        Config(dict(filename='x'))
    cfg = Config()
    with pytest.raises(KeyError, match='reserved'):
        cfg.text = 'x'


def test_fromfile_records_filename_text_and_files(cfg_dir):
    path = cfg_dir / 'resnet' / 'resnet50_8xb32-300e_in1k.py'
    cfg = Config.fromfile(path)
    assert cfg.filename == str(path)
    assert len(cfg.source_files) == 6 and cfg.source_files[-1].endswith('resnet50_8xb32-300e_in1k.py')
    assert cfg.source_files[0].endswith('resnet50.py')
    assert "augments=dict(type='CutMix',alpha=1.0)" in cfg.text.replace('\n', '').replace(' ', '')
    assert 'imagenet_bs256.py' in cfg.text  # bases are part of the text, each after its path


def test_copies_and_pickling_of_config(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')
    clone = copy.deepcopy(cfg)
    clone.model.backbone.depth = 101
    assert cfg.model.backbone.depth == 50 and clone.filename == cfg.filename
    restored = pickle.loads(pickle.dumps(cfg))
    assert isinstance(restored, Config) and restored.to_dict() == cfg.to_dict()
    assert restored.filename == cfg.filename and restored.text == cfg.text
    assert restored.source_files == cfg.source_files
    shallow = cfg.copy()
    shallow.new_key = 1
    assert 'new_key' not in cfg


def test_merge_from_dict_dotted_keys_list_indices_and_new_keys(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')
    cfg.merge_from_dict({
        'model.backbone.norm_eval': False,
        'train_dataloader.dataset.pipeline.1.scale': 176,
        'val_evaluator.topk': (1, 3),
        'model.head': dict(num_classes=10),
        'work_dir': 'work_dirs/r50',
    })
    assert cfg.model.backbone.norm_eval is False
    assert cfg.train_dataloader.dataset.pipeline[1] == dict(type='RandomResizedCrop', scale=176)
    assert cfg.val_evaluator.topk == (1, 3)
    assert cfg.model.head.num_classes == 10 and cfg.model.head.in_channels == 2048
    assert cfg.work_dir == 'work_dirs/r50'
    assert isinstance(cfg.model.head, ConfigDict)
    cfg.merge_from_dict({'model.head': dict(_delete_=True, type='ClsHead')})
    assert cfg.model.head == dict(type='ClsHead')


def test_merge_from_dict_errors_name_the_option(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')
    with pytest.raises(IndexError, match=r"'train_dataloader\.dataset\.pipeline\.9\.prob=0\.0'.*length 4"):
        cfg.merge_from_dict({'train_dataloader.dataset.pipeline.9.prob': 0.0})
    with pytest.raises(TypeError, match=r"'model\.backbone\.depth\.x=1'.*model\.backbone\.depth"):
        cfg.merge_from_dict({'model.backbone.depth.x': 1})
    with pytest.raises(TypeError, match=r"pipeline.*index"):
        cfg.merge_from_dict({'train_dataloader.dataset.pipeline.first.prob': 0})
    with pytest.raises(ValueError, match='empty part'):
        cfg.merge_from_dict({'model..depth': 1})
    with pytest.raises(TypeError):
        cfg.merge_from_dict({'train_dataloader.dataset.pipeline.1.prob': 0}, allow_list_keys=False)
    assert cfg.model.backbone.depth == 50  # failed options leave the config unchanged


def test_custom_imports_are_imported_on_load(cfg_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(cfg_dir / 'examples'))
    monkeypatch.delitem(sys.modules, 'mmcls_cfg_custom_module', raising=False)
    cfg = Config.fromfile(cfg_dir / 'examples' / 'custom_imports.py', import_custom_modules=False)
    assert 'mmcls_cfg_custom_module' not in sys.modules
    cfg = Config.fromfile(cfg_dir / 'examples' / 'custom_imports.py')
    assert sys.modules['mmcls_cfg_custom_module'].LOADED is True
    assert cfg.custom_imports.imports == ['mmcls_cfg_custom_module']


def test_custom_imports_failures(cfg_dir):
    with pytest.raises(ImportError, match=r"mmcls_no_such_module_xyz.*custom_imports_failing\.py"):
        Config.fromfile(cfg_dir / 'examples' / 'custom_imports_failing.py')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        Config.fromfile(cfg_dir / 'examples' / 'custom_imports_allow_failed.py')
    assert any('mmcls_no_such_module_xyz' in str(w.message) for w in caught)


def test_fromstring_reads_each_format():
    assert Config.fromstring("a = dict(b=1)\n", '.py').a.b == 1
    assert Config.fromstring('{"a": {"b": 2}}', 'json').a.b == 2
    assert Config.fromstring('a:\n  b: 3\n', '.yaml').a.b == 3
    with pytest.raises(ValueError, match='unknown config format'):
        Config.fromstring('a = 1', '.toml')


def test_default_scope_passes_through(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')
    assert cfg.default_scope == 'mmcls'
