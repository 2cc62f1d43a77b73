"""Malformed configs fail with errors that name the file and the key at fault."""
import os.path as osp

import pytest

from mmcls.config import Config


def _load(cfg_dir, name):
    return Config.fromfile(cfg_dir / 'errors' / name)


def test_missing_config_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.py'):
        Config.fromfile(tmp_path / 'nope.py')


def test_missing_base_names_the_path_as_written_and_resolved(cfg_dir):
    with pytest.raises(FileNotFoundError) as info:
        _load(cfg_dir, 'missing_base.py')
    message = str(info.value)
    assert "'./does_not_exist.py'" in message and 'missing_base.py' in message
    assert osp.join('errors', 'does_not_exist.py') in message


def test_inheritance_cycle_is_detected(cfg_dir, tmp_path):
    with pytest.raises(ValueError, match=r'cycle: .*cycle_a\.py -> .*cycle_b\.py -> .*cycle_a\.py'):
        _load(cfg_dir, 'cycle_a.py')
    itself = tmp_path / 'self.py'
    itself.write_text("_base_ = './self.py'\n")
    with pytest.raises(ValueError, match='cycle'):
        Config.fromfile(itself)


def test_duplicate_keys_across_bases(cfg_dir):
    with pytest.raises(KeyError, match=r"\['y'\].*dup_a\.py.*dup_b\.py"):
        _load(cfg_dir, 'duplicate_keys.py')


def test_unknown_base_reference(cfg_dir):
    with pytest.raises(KeyError, match=r"_base_\.log_levle.*unknown_ref\.py"):
        _load(cfg_dir, 'unknown_ref.py')
    with pytest.raises(KeyError, match=r"ref_without_base\.py.*no '_base_'"):
        _load(cfg_dir, 'ref_without_base.py')


def test_base_reference_inside_a_larger_string(tmp_path, cfg_dir):
    base = cfg_dir / '_base_' / 'default_runtime.py'
    child = tmp_path / 'child.py'
    child.write_text(f"_base_ = {str(base)!r}\nname = 'run-{{{{_base_.log_level}}}}'\n")
    with pytest.raises(ValueError, match='whole value'):
        Config.fromfile(child)


def test_dict_in_child_cannot_merge_into_a_non_dict(cfg_dir):
    with pytest.raises(TypeError, match=r"'log_level' is a dict in the child.*_delete_=True"):
        _load(cfg_dir, 'merge_type.py')


def test_bad_base_value(cfg_dir):
    with pytest.raises(TypeError, match=r"'_base_' in .*bad_base_type\.py"):
        _load(cfg_dir, 'bad_base_type.py')


def test_exception_while_executing_names_the_file(cfg_dir):
    with pytest.raises(NameError, match='undefined_name') as info:
        _load(cfg_dir, 'exec_error.py')
    notes = getattr(info.value, '__notes__', None)
    frames = [entry.path for entry in info.traceback]
    assert any(str(p).endswith('exec_error.py') for p in frames)
    if notes is not None:
        assert 'exec_error.py' in notes[0]


def test_malformed_data_files(cfg_dir, tmp_path):
    with pytest.raises(TypeError, match=r'list\.yaml.*mapping'):
        _load(cfg_dir, 'list.yaml')
    with pytest.raises(ValueError, match=r'bad\.json.*not valid JSON'):
        _load(cfg_dir, 'bad.json')
    toml = tmp_path / 'cfg.toml'
    toml.write_text('a = 1\n')
    with pytest.raises(ValueError, match=r"cfg\.toml.*unsupported suffix '\.toml'"):
        Config.fromfile(toml)
