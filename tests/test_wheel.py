"""The built wheel works on its own: installed into a fresh venv, every ``mmcls`` command runs
from an empty folder, with a config that inherits a shipped zoo config through ``mmcls::``."""
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CLASSES = ('dark', 'light')

TINY_CONFIG = '''
_base_ = ['mmcls::lenet/lenet5_fashion-mnist-subset.py']
data_root = '{{ fileDirname }}/data'
model = dict(backbone=dict(num_classes=2))
data_preprocessor = dict(num_classes=2)
train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(
    data_root=data_root + '/train', ann_file='', classes=['dark', 'light']))
val_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(
    data_root=data_root + '/val', ann_file='', classes=['dark', 'light']))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=1))
'''


def _write_images(root: Path) -> None:
    import cv2
    for split in ('train', 'val'):
        for value, name in zip((20, 230), CLASSES):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(4):
                image = np.full((28, 28), value + i, dtype=np.uint8)
                cv2.imwrite(str(folder / f'{i}.png'), image)


def _clean_env() -> dict:
    """The environment without PYTHONPATH, so that only the installed wheel provides mmcls."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['CUDA_VISIBLE_DEVICES'] = ''
    return env


def _build_wheel(out: Path) -> Path:
    build = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', str(REPO_ROOT), '--no-deps', '--no-build-isolation',
         '-q', '-w', str(out)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel, = out.glob('mmcls-*.whl')
    return wheel


def _make_venv(venv: Path, wheel: Path) -> Path:
    """A venv holding only the wheel; torch and the other dependencies come through a .pth
    file naming the running interpreter's site-packages (no download)."""
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], check=True)
    python = venv / 'bin' / 'python'
    purelib = subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()'
                              '["purelib"])'], capture_output=True, text=True, check=True)
    install = subprocess.run([sys.executable, '-m', 'pip', '--python', str(python), 'install',
                              '--no-deps', '--no-index', '--ignore-installed', '-q', str(wheel)],
                             capture_output=True, text=True, timeout=300, env=_clean_env())
    assert install.returncode == 0, install.stderr
    # added after the install: pip would take the project's own (editable) mmcls as installed
    site = Path(purelib.stdout.strip())
    (site / 'project_deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    return venv / 'bin' / 'mmcls'


@pytest.mark.slow
def test_installed_wheel_runs_every_command(tmp_path):
    wheel = _build_wheel(tmp_path / 'dist')
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {'mmcls/tools/train.py', 'mmcls/tools/mmcls_handler.py', 'mmcls/__main__.py',
            'mmcls/.mim/configs/lenet/lenet5_fashion-mnist-subset.py',
            'mmcls/.mim/demo/demo.JPEG'} <= names
    mmcls = _make_venv(tmp_path / 'venv', wheel)
    work = tmp_path / 'empty'
    work.mkdir()
    _write_images(work / 'data')
    (work / 'tiny.py').write_text(TINY_CONFIG)
    env = _clean_env()

    def run(*args, timeout=300):
        done = subprocess.run([str(mmcls), *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f'mmcls {" ".join(args)}:\n{done.stderr[-3000:]}'
        return done.stdout

    where = subprocess.run([str(tmp_path / 'venv' / 'bin' / 'python'), '-c',
                            'import mmcls; print(mmcls.__file__)'], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(tmp_path / 'venv') in where and str(REPO_ROOT) not in where
    assert "type='LeNet5'" in run('print-config', 'tiny.py')
    assert 'lenet5_mnist' in run('list', 'lenet*').split()
    run('train', 'tiny.py', '--work-dir', 'out')
    checkpoint = work / 'out' / 'epoch_1.pth'
    assert checkpoint.is_file()
    run('test', 'tiny.py', str(checkpoint), '--work-dir', 'out')
    lines = run('infer', 'tiny.py', str(work / 'data' / 'val' / 'dark'), '--weights',
                str(checkpoint)).splitlines()
    assert len(lines) == 4 and json.loads(lines[0])['pred_class'] in CLASSES
    helps = run('--help')
    from mmcls.cli import COMMANDS, TOOLS
    for command in [*TOOLS, *COMMANDS]:
        assert command in helps
        assert f'usage: mmcls {command}' in run(command, '--help', timeout=120)
