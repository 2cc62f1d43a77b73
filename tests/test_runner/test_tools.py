"""tools/train.py and tools/test.py end to end on a toy config (CPU, subprocesses)."""
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
HERE = osp.dirname(osp.abspath(__file__))

CONFIG = """
custom_imports = dict(imports=['toy_registry'], allow_failed_imports=False)
model = dict(type='ToyClassifier')
train_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(type='ToyBlobs', size=24),
                        sampler=dict(type='DefaultSampler', shuffle=True), persistent_workers=True)
val_dataloader = dict(batch_size=4, num_workers=0, dataset=dict(type='ToyBlobs', size=12, seed=5),
                      sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ToyAccuracy')
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=8)
default_scope = 'mmcls'
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=3),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto', max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
               dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
"""


def _run(tool, *args):
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get('PYTHONPATH', ''),
               CUDA_VISIBLE_DEVICES='-1', OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, osp.join(ROOT, 'tools', tool), *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('tools')
    config = tmp / 'toy_cfg.py'
    config.write_text(CONFIG)
    work_dir = tmp / 'work'
    out = _run('train.py', config, '--work-dir', work_dir, '--auto-scale-lr',
               '--cfg-options', 'train_cfg.max_epochs=3')
    return config, work_dir, out


def test_train_tool_writes_the_work_dir_layout(trained):
    config, work_dir, out = trained
    assert 'LR is scaled by 0.5' in out
    names = sorted(os.listdir(work_dir))
    assert 'epoch_3.pth' in names and 'epoch_2.pth' in names and 'epoch_1.pth' not in names
    assert any(n.startswith('best_toy_accuracy_epoch_') for n in names)
    assert 'toy_cfg.py' in names  # dumped config
    last = (work_dir / 'last_checkpoint').read_text()
    assert last == str(work_dir / 'epoch_3.pth')
    (stamp, ) = [n for n in names if osp.isdir(work_dir / n)]
    assert osp.isfile(work_dir / stamp / f'{stamp}.log')
    assert osp.isfile(work_dir / stamp / 'vis_data' / 'config.py')
    lines = (work_dir / stamp / 'vis_data' / 'scalars.json').read_text().splitlines()
    records = [json.loads(line) for line in lines]
    train = [r for r in records if 'loss' in r]
    assert {'lr', 'loss', 'time', 'data_time', 'epoch', 'iter', 'step'} <= set(train[0])
    assert train[0]['lr'] == pytest.approx(0.05)  # 0.1 * 4 / 8
    val = [r for r in records if 'toy/accuracy' in r]
    assert [r['step'] for r in val] == [1, 2, 3]
    text = (work_dir / stamp / f'{stamp}.log').read_text()
    assert 'Epoch(train) [1][3/6]' in text and 'Epoch(val) [3][3/3]' in text


def test_train_tool_resume_auto(trained):
    config, work_dir, _ = trained
    out = _run('train.py', config, '--work-dir', work_dir, '--resume',
               '--cfg-options', 'train_cfg.max_epochs=4')
    assert 'resumed epoch: 3' in out
    assert osp.isfile(work_dir / 'epoch_4.pth')


def test_test_tool_dumps_predictions_and_metrics(trained, tmp_path):
    config, work_dir, _ = trained
    pred_file = tmp_path / 'preds.pkl'
    out = _run('test.py', config, work_dir / 'epoch_3.pth', '--work-dir', tmp_path / 'w',
               '--out', pred_file)
    assert 'toy/accuracy' in out
    with open(pred_file, 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 12 and set(preds[0]) == {'pred', 'gt'}
    metrics_file = tmp_path / 'metrics.json'
    _run('test.py', config, work_dir / 'epoch_3.pth', '--work-dir', tmp_path / 'w',
         '--out', metrics_file, '--out-item', 'metrics', '--metrics', 'ToyAccuracy')
    metrics = json.loads(metrics_file.read_text())
    assert 0 <= metrics['toy/accuracy'] <= 100


def test_help_does_not_import_torch():
    for tool in ('train.py', 'test.py'):
        code = (f'import runpy, sys; sys.argv = [{tool!r}, "--help"]\n'
                f'try:\n    runpy.run_path({osp.join(ROOT, "tools", tool)!r}, run_name="__main__")\n'
                f'except SystemExit:\n    pass\n'
                f'assert "torch" not in sys.modules, "torch imported"')
        proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert '--cfg-options' in proc.stdout
