"""tools/visualizations/browse_dataset.py writes the pictures of every mode to a folder."""
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
TOOL = osp.join(REPO, 'tools', 'visualizations', 'browse_dataset.py')
FASHION = '/usr/share/datasets/fashion-mnist'


def _load_tool():
    return importlib.import_module('mmcls.tools.browse_dataset')


@pytest.fixture
def folder_config(tmp_path):
    root = tmp_path / 'images'
    rng = np.random.default_rng(0)
    for cls in ('cat', 'dog'):
        os.makedirs(root / cls)
        for i in range(2):
            assert cv2.imwrite(str(root / cls / f'{cls}{i}.jpg'),
                               rng.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    config = tmp_path / 'cfg.py'
    config.write_text(
        "pipeline = [dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=24),\n"
        "            dict(type='CenterCrop', crop_size=16), dict(type='PackClsInputs')]\n"
        "train_dataloader = dict(dataset=dict(type='RepeatDataset', times=2, dataset=dict(\n"
        f"    type='CustomDataset', data_prefix={str(root)!r}, pipeline=pipeline)))\n")
    return config


@pytest.mark.parametrize('mode,width,height', [('original', 40, 30), ('transformed', 16, 16),
                                               ('concat', 40 + 4 + 16, 30)])
def test_modes_write_images(folder_config, tmp_path, mode, width, height):
    tool = _load_tool()
    out = tmp_path / f'out_{mode}'
    assert tool.main([str(folder_config), '-o', str(out), '-m', mode, '-n', '3']) == 0
    files = sorted(os.listdir(out))
    assert files == ['00000_cat0.png', '00001_cat1.png', '00002_dog0.png']
    image = cv2.imread(str(out / files[0]))
    assert image.shape[1] == width
    assert image.shape[0] == height + 20  # plus the caption strip


def test_pipeline_mode_and_rescale(folder_config, tmp_path):
    tool = _load_tool()
    out = tmp_path / 'out'
    assert tool.main([str(folder_config), '-o', str(out), '-m', 'pipeline', '-n', '1',
                      '-r', '2']) == 0
    image = cv2.imread(str(out / '00000_cat0.png'))
    # four steps: 40x30 loaded, 32x24 resized, 16x16 cropped, 16x16 packed; all doubled
    assert image.shape[1] == 2 * (40 + 32 + 16 + 16) + 3 * 4
    assert image.shape[0] == 2 * 30 + 20


def test_helpers():
    tool = _load_tool()
    gray = tool.to_display_image(np.arange(12, dtype=np.float32).reshape(3, 4))
    assert gray.shape == (3, 4, 3) and gray.dtype == np.uint8 and gray.max() == 255
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 0] = 200
    assert tool.to_display_image(rgb, 'RGB')[0, 0].tolist() == [0, 0, 200]
    with pytest.raises(ValueError, match='no image'):
        tool.compose_view([], 'transformed')


@pytest.mark.skipif(not osp.isfile(osp.join(FASHION, 't10k-images-idx3-ubyte.gz')),
                    reason='real Fashion-MNIST files absent: apt-get install dataset-fashion-mnist')
def test_command_line_on_in_memory_fashion_mnist(tmp_path):
    config = tmp_path / 'fm.py'
    config.write_text(
        "val_dataloader = dict(dataset=dict(type='FashionMNIST', data_prefix="
        f"{FASHION!r}, test_mode=True, download=False, indices=2,\n"
        "    pipeline=[dict(type='PackClsInputs')]))\n")
    out = tmp_path / 'fm'
    result = subprocess.run([sys.executable, TOOL, str(config), '-p', 'val', '-o', str(out),
                             '-m', 'original', '-r', '3', '-c', 'RGB'],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(out)) == ['00000_sample.png', '00001_sample.png']
    assert cv2.imread(str(out / '00000_sample.png')).shape == (84 + 20, 84, 3)
