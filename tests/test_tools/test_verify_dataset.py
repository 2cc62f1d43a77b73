"""tools/misc/verify_dataset.py on a folder with a truncated JPEG, a zero-byte file and a
text file named .jpg among good images."""
import importlib
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'misc', 'verify_dataset.py')


def _load_tool():
    return importlib.import_module('mmcls.tools.verify_dataset')


def _image(path, seed, size=(40, 48)):
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    assert cv2.imwrite(path, rng.integers(0, 256, (*size, 3), dtype=np.uint8))


@pytest.fixture
def dataset_tree(tmp_path):
    root = tmp_path / 'data'
    for i in range(3):
        _image(str(root / 'good' / f'{i}.jpg'), i)
        _image(str(root / 'good' / f'{i}.png'), i + 10)
    _image(str(root / 'bad' / 'tmp.jpg'), 99, size=(64, 64))
    data = (root / 'bad' / 'tmp.jpg').read_bytes()
    (root / 'bad' / 'tmp.jpg').unlink()
    (root / 'bad' / 'truncated.jpg').write_bytes(data[:len(data) // 2])
    (root / 'bad' / 'empty.jpg').write_bytes(b'')
    (root / 'bad' / 'text.jpg').write_text('definitely not a JPEG\n')
    broken = sorted(str(root / 'bad' / n) for n in ('empty.jpg', 'text.jpg', 'truncated.jpg'))
    config = tmp_path / 'cfg.py'
    config.write_text(
        "train_pipeline = [dict(type='LoadImageFromFile')]\n"
        "train_dataloader = dict(batch_size=2, dataset=dict(type='CustomDataset', "
        f"data_prefix={str(root)!r}, pipeline=train_pipeline))\n"
        "val_dataloader = dict(batch_size=2, dataset=dict(type='CustomDataset', "
        f"data_prefix={str(root / 'good')!r}, with_label=False, pipeline=train_pipeline))\n")
    return config, broken


def test_check_image_reasons(dataset_tree):
    tool = _load_tool()
    _, broken = dataset_tree
    reasons = {osp.basename(p): tool.check_image(p) for p in broken}
    assert reasons['empty.jpg'] == 'empty file'
    assert 'truncated' in reasons['truncated.jpg']
    assert reasons['text.jpg'].startswith('cannot decode')
    good = osp.join(osp.dirname(osp.dirname(broken[0])), 'good', '0.png')
    assert tool.check_image(good) is None
    assert tool.check_image(good + '.missing').startswith('cannot open')
    assert tool.strip_pipelines({'dataset': {'pipeline': [1], 'datasets': [{'pipeline': [2]}]}}) \
        == {'dataset': {'pipeline': [], 'datasets': [{'pipeline': []}]}}


def test_lists_exactly_the_three_broken_files(dataset_tree, tmp_path):
    config, broken = dataset_tree
    out = tmp_path / 'broken.log'
    result = subprocess.run([sys.executable, TOOL, str(config), '--out-path', str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(out.read_text().split('\n')[:-1]) == broken
    assert '3 broken files' in result.stdout


def test_worker_processes_find_the_same_files(dataset_tree, tmp_path):
    tool = _load_tool()
    config, broken = dataset_tree
    out = tmp_path / 'broken2.log'
    assert tool.main([str(config), '--out-path', str(out), '--num-process', '2']) == 0
    assert out.read_text().split('\n')[:-1] == broken  # in dataset order: bad/ sorts first


def test_jpeg_with_trailing_bytes_is_fine(tmp_path):
    tool = _load_tool()
    path = str(tmp_path / 'trailing.jpg')
    _image(path, 5)
    with open(path, 'ab') as f:
        f.write(b'\0' * 200)  # some cameras pad after the end-of-image marker
    assert tool.check_image(path) is None


def test_clean_phase_and_errors(dataset_tree, tmp_path):
    tool = _load_tool()
    config, _ = dataset_tree
    out = tmp_path / 'clean.log'
    out.write_text('stale\n')
    assert tool.main([str(config), '--phase', 'val', '--out-path', str(out)]) == 0
    assert not out.exists()  # nothing broken: no log left behind
    with pytest.raises(SystemExit, match='test_dataloader'):
        tool.main([str(config), '--phase', 'test', '--out-path', str(out)])
    with pytest.raises(SystemExit, match='out-path'):
        tool.main([str(config), '--out-path', str(tmp_path / 'no' / 'dir' / 'x.log')])
    # --cfg-options reaches the dataset config
    assert tool.main([str(config), '--out-path', str(out), '--cfg-options',
                      f"train_dataloader.dataset.data_prefix={tmp_path / 'data' / 'good'}",
                      'train_dataloader.dataset.with_label=False']) == 0
    assert not out.exists()
