"""tools/visualizations/vis_scheduler.py on MMClassification-style configs: the plotted values are the
schedule's values, computed here by hand."""
import importlib
import importlib.util
import math
import sys
import textwrap
from pathlib import Path

import matplotlib
import pytest

matplotlib.use('Agg')

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'visualizations' / 'vis_scheduler.py'


@pytest.fixture(scope='module')
def tool():
    return importlib.import_module('mmcls.tools.vis_scheduler')


SCHEDULE = '''
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001))
param_scheduler = dict(
    type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
'''

RESNET = '''
_base_ = ['./imagenet_bs256.py']
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=1000, in_channels=2048,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, 5)))
train_dataloader = dict(
    batch_size=32, num_workers=5,
    dataset=dict(type='ImageNet', data_root='data/imagenet', ann_file='meta/train.txt',
                 data_prefix='train', pipeline=[]),
    sampler=dict(type='DefaultSampler', shuffle=True))
'''


@pytest.fixture
def resnet_config(tmp_path):
    (tmp_path / 'imagenet_bs256.py').write_text(SCHEDULE)
    cfg = tmp_path / 'resnet50_8xb32_in1k.py'
    cfg.write_text(RESNET)
    return cfg


def plotted_values(tool, trace, parameter='lr'):
    fig = tool.plot_curve(trace, parameter, 'title')
    [line] = fig.axes[0].lines
    values = list(line.get_ydata())
    matplotlib.pyplot.close(fig)
    return values


def test_resnet_multistep_png_matches_schedule(tool, resnet_config, tmp_path):
    png = tmp_path / 'lr.png'
    # -d skips building the dataset; 1000 samples / (32 x 8 GPUs) -> 4 iterations per epoch
    trace = tool.main([str(resnet_config), '-d', '1000', '-n', '8', '-s', str(png),
                       '--title', 'ResNet-50', '--window-size', '6*4'])
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert trace.iters_per_epoch == 4 and len(trace.values) == 400
    expected = [0.1 * 0.1 ** sum(i // 4 >= m for m in (30, 60, 90)) for i in range(400)]
    assert trace.values == pytest.approx(expected)
    assert plotted_values(tool, trace) == pytest.approx(expected)


def test_momentum_curve_with_cfg_options(tool, resnet_config, tmp_path):
    child = tmp_path / 'resnet50_momentum.py'
    child.write_text(textwrap.dedent('''
        _base_ = ['./resnet50_8xb32_in1k.py']
        param_scheduler = [
            dict(type='MultiStepLR', by_epoch=True, milestones=[3]),
            dict(type='LinearMomentum', start_factor=0.5, by_epoch=False, end=10)]
    '''))
    png = tmp_path / 'momentum.png'
    trace = tool.main([
        str(child), '-d', '64', '-p', 'momentum', '-s', str(png),
        '--cfg-options', 'train_cfg.max_epochs=6', 'param_scheduler.1.end=4'])
    assert png.exists()
    assert trace.iters_per_epoch == 2 and len(trace.values) == 12
    expected = [0.9 * (0.5 + 0.5 * min(i, 3) / 3) for i in range(12)]
    assert trace.values == pytest.approx(expected)


def test_seed_migration_schedule_on_plain_dict(tool):
    # core function on a plain dict: warm-up by iteration, then cosine by epoch
    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.0015, weight_decay=0.3),
                           paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
                           clip_grad=dict(max_norm=1.0)),
        param_scheduler=[dict(type='LinearLR', start_factor=0.01, by_epoch=True, end=5,
                              convert_to_iter_based=True),
                         dict(type='CosineAnnealingLR', by_epoch=True, begin=5)],
        train_cfg=dict(by_epoch=True, max_epochs=20),
        train_dataloader=dict(batch_size=10))
    trace = tool.simulate_schedule(cfg, dataset_size=25)  # 3 iterations per epoch
    base = 0.0015
    for i, value in enumerate(trace.values):
        epoch = i // 3
        if i < 15:
            expected = base * (0.01 + 0.99 * i / 14)
        else:
            expected = base * (1 + math.cos(math.pi * (epoch - 5) / 15)) / 2
        assert value == pytest.approx(expected), i
    assert plotted_values(tool, trace) == pytest.approx(trace.values)


def test_iteration_based_training(tool):
    cfg = dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=1.0)),
               param_scheduler=dict(type='StepLR', step_size=5, gamma=0.5, by_epoch=False),
               train_cfg=dict(type='IterBasedTrainLoop', max_iters=12),
               train_dataloader=dict(batch_size=4))
    trace = tool.simulate_schedule(cfg, dataset_size=8)
    assert not trace.by_epoch
    assert trace.values == [1.0] * 5 + [0.5] * 5 + [0.25] * 2


def test_dataset_is_built_without_dataset_size(tool, monkeypatch):
    from mmcls import registry

    class FakeDatasets:
        @staticmethod
        def build(cfg):
            assert cfg['type'] == 'ImageNet'
            return list(range(70))

    monkeypatch.setattr(registry, 'DATASETS', FakeDatasets)
    cfg = dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=1.0)),
               train_cfg=dict(by_epoch=True, max_epochs=2),
               train_dataloader=dict(batch_size=32, dataset=dict(type='ImageNet')))
    trace = tool.simulate_schedule(cfg)
    assert trace.iters_per_epoch == 3 and trace.values == [1.0] * 6


@pytest.mark.parametrize('argv', [
    ['cfg.py', '--window-size', '12x7'],
    ['cfg.py', '-p', 'weight_decay'],
    ['cfg.py', '-n', '0'],
])
def test_bad_arguments_exit(tool, argv):
    with pytest.raises(SystemExit):
        tool.parse_args(argv)


def test_defaults_follow_the_seed(tool):
    args = tool.parse_args(['cfg.py'])
    assert (args.parameter, args.ngpus, args.style, args.window_size) == \
        ('lr', 1, 'whitegrid', '12*7')
    assert args.dataset_size is None and args.save_path is None and args.title is None


def test_unknown_style(tool):
    trace = tool.ScheduleTrace([0.1, 0.1], 1, False, None, 2)
    with pytest.raises(ValueError, match='unknown --style'):
        tool.plot_curve(trace, 'lr', 't', style='no-such-style')
