"""cfg.dump() to .py/.json/.yaml/.yml and back."""
import pytest

from mmcls.config import Config


@pytest.fixture
def cfg(cfg_dir):
    return Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32-300e_in1k.py')


def _lists(value):
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def test_dump_py_reloads_equal(cfg, tmp_path):
    path = tmp_path / 'dumped.py'
    cfg.dump(path)
    assert Config.fromfile(path).to_dict() == cfg.to_dict()
    assert cfg.dump() == cfg.pretty_text  # a .py config dumps as Python text


@pytest.mark.parametrize('suffix', ['.json', '.yaml', '.yml'])
def test_dump_data_formats_reload_equal_up_to_tuples(cfg, tmp_path, suffix):
    path = tmp_path / f'dumped{suffix}'
    cfg.dump(path)
    reloaded = Config.fromfile(path)
    assert reloaded.to_dict() == _lists(cfg.to_dict())
    assert reloaded.model.backbone.out_indices == [3]
    assert Config.fromfile(path).dump() == path.read_text()  # dump() uses the file's own format


def test_dump_refuses_unknown_suffix_and_unserialisable_values(cfg, tmp_path):
    with pytest.raises(ValueError, match=r"cfg\.txt.*unsupported suffix"):
        cfg.dump(tmp_path / 'cfg.txt')
    with pytest.raises(TypeError, match='JSON'):
        Config(dict(a=object())).dump(tmp_path / 'x.json')
    with pytest.raises(TypeError, match='YAML'):
        Config(dict(a=object())).dump(tmp_path / 'x.yaml')
