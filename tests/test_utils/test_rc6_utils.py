"""mmcls.utils names of MMClassification 1.x, mmcls.version and mmcls.digit_version."""
import json
import subprocess
import sys

import pytest

import mmcls
from mmcls import digit_version
from mmcls.utils import collect_env, load_json_log, register_all_modules, track_on_main_process
from mmcls.version import parse_version_info


def test_load_json_log_splits_train_and_val(tmp_path):
    records = [dict(lr=0.1, loss=2.0, epoch=1, iter=10, step=10),
               {'accuracy/top1': 30.0, 'step': 1},
               dict(loss_cls=1.5, epoch=2, iter=20, step=20),
               {'accuracy/top1': 50.0, 'step': 2}]
    path = tmp_path / 'scalars.json'
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n\n')
    logs = load_json_log(str(path))
    assert logs == {'train': [records[0], records[2]], 'val': [records[1], records[3]]}
    path.write_text('{"lr": 1}\nnot json\n')
    with pytest.raises(ValueError, match='scalars.json:2'):
        load_json_log(str(path))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_json_log(str(tmp_path / 'missing.json'))


def test_the_log_tool_reads_logs_with_the_same_function():
    from mmcls.tools import analyze_logs
    assert analyze_logs.load_json_log is load_json_log


def test_digit_version_orders_releases():
    assert digit_version('1.13.1') == (1, 13, 1, 0, 0, 0)
    assert digit_version('2.0.0rc1') == (2, 0, 0, 0, -1, 1)
    assert digit_version('2.13.0+cpu') == digit_version('2.13.0')
    ordered = ['1.9.0', '2.0.0.dev20230101', '2.0.0a1', '2.0.0b2', '2.0.0rc1', '2.0.0',
               '2.0.0.post1', '2.0.1', '2.10.0']
    assert sorted(ordered, key=digit_version) == ordered
    assert digit_version('1.2', length=2) == (1, 2, 0, 0)
    with pytest.raises(ValueError, match="'not.a.version'"):
        digit_version('not.a.version')


def test_version_info_and_no_torch_on_import():
    assert parse_version_info('1.0.0rc6') == (1, 0, 0, 'rc6')
    assert mmcls.version_info == parse_version_info(mmcls.__version__)
    code = ('import sys, mmcls, mmcls.utils; mmcls.digit_version("1.0"); '
            'assert "torch" not in sys.modules')
    subprocess.run([sys.executable, '-c', code], check=True)


def test_collect_env_names_the_versions():
    import torch
    info = collect_env()
    assert info['PyTorch'] == torch.__version__
    assert info['MMClassification'].startswith(mmcls.__version__)
    assert {'Python', 'CUDA available', 'NumPy', 'OpenCV'} <= set(info)


def test_register_all_modules_fills_the_registries():
    from mmcls.registry import HOOKS, MODELS
    register_all_modules()
    assert 'ResNet' in MODELS._module_dict and 'CheckpointHook' in HOOKS._module_dict
    with pytest.raises(TypeError, match='init_default_scope'):
        register_all_modules(init_default_scope='yes')


def test_track_on_main_process_yields_every_item():
    assert list(track_on_main_process([1, 2, 3], description='x')) == [1, 2, 3]
