"""tools/train.py then tools/test.py, run as subprocesses, on the bundled Fashion-MNIST subset."""
import json
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/lenet/lenet5_fashion-mnist-subset.py'


def _run(args, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    completed = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                               text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout + completed.stderr


def _run_dirs(work_dir):
    return sorted(d for d in os.listdir(work_dir) if osp.isdir(osp.join(work_dir, d))
                  and re.fullmatch(r'\d{8}_\d{6}', d))


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('e2e') / 'work_dir')
    _run(['tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
          'train_cfg.max_epochs=1', 'train_cfg.val_interval=1'], tmp_path_factory)
    return work_dir


def test_train_writes_log_config_scalars_and_checkpoint(trained):
    files = os.listdir(trained)
    assert 'epoch_1.pth' in files
    assert 'lenet5_fashion-mnist-subset.py' in files  # the config dump
    with open(osp.join(trained, 'last_checkpoint')) as f:
        assert osp.basename(f.read().strip()) == 'epoch_1.pth'
    (run, ) = _run_dirs(trained)
    log = open(osp.join(trained, run, f'{run}.log')).read()
    assert 'Epoch(train) [1][20/63]' in log
    assert 'Epoch(val) [1][10/10]' in log
    records = [json.loads(line) for line in
               open(osp.join(trained, run, 'vis_data', 'scalars.json'))]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == 3 and losses[-1] < losses[0]  # logged every 20 of 63 iterations
    (accuracy, ) = [r['accuracy/top1'] for r in records if 'accuracy/top1' in r]
    assert accuracy > 50  # one epoch of LeNet-5 on 2000 images; chance is 10 %


def test_test_reports_the_accuracy_and_draws_predictions(trained, tmp_path):
    ckpt = osp.join(trained, 'epoch_1.pth')
    out = tmp_path / 'metrics.json'
    show_dir = tmp_path / 'shown'
    _run(['tools/test.py', CONFIG, ckpt, '--work-dir', trained, '--out', str(out),
          '--out-item', 'metrics', '--show-dir', str(show_dir), '--interval', '250'], tmp_path)
    metrics = json.load(open(out))
    train_run = _run_dirs(trained)[0]
    records = [json.loads(line) for line in
               open(osp.join(trained, train_run, 'vis_data', 'scalars.json'))]
    val_accuracy = [r['accuracy/top1'] for r in records if 'accuracy/top1' in r][0]
    assert metrics['accuracy/top1'] == pytest.approx(val_accuracy)  # same weights, same images
    drawn = sorted(os.listdir(show_dir))
    assert len(drawn) == 4  # samples 0, 250, 500 and 750 of 1000
    assert all(name.endswith('_0.png') for name in drawn)
    assert cv2.imread(str(show_dir / drawn[0])).shape == (256, 256, 3)  # 32 px x rescale 8
