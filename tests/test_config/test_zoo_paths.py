"""``mmcls::`` bases and zoo-relative config paths resolve to the shipped configs."""
import pytest

from mmcls.config import Config
from mmcls.config.zoo import find_shipped_config, resolve_zoo_path

ZOO_CONFIG = 'lenet/lenet5_fashion-mnist-subset.py'


def test_mmcls_prefix_base_loads_the_shipped_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'mine.py').write_text(f"_base_ = ['mmcls::{ZOO_CONFIG}']\n"
                                      'train_cfg = dict(max_epochs=1)\n')
    cfg = Config.fromfile('mine.py')
    assert cfg.model.backbone.type == 'LeNet5'
    assert cfg.train_cfg.max_epochs == 1


def test_zoo_relative_and_prefixed_paths_load(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Config.fromfile(ZOO_CONFIG).model.backbone.type == 'LeNet5'
    assert Config.fromfile('mmcls::' + ZOO_CONFIG).model.backbone.type == 'LeNet5'
    assert find_shipped_config('no/such.py') is None


def test_missing_zoo_config_names_the_path():
    with pytest.raises(FileNotFoundError, match="'mmcls::no/such.py' not found"):
        resolve_zoo_path('mmcls::no/such.py')
