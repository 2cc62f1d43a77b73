"""The analysis tools on small real outputs: a DumpResults pickle, a scalars.json,
a folder of images and small models."""
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import matplotlib
import numpy as np
import pytest
import torch
import torch.nn as nn

from mmcls.evaluation import DumpResults, Evaluator
from mmcls.structures import ClsDataSample

matplotlib.use('Agg')

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / 'tools' / 'analysis_tools'


def load_tool(name):
    return importlib.import_module(f'mmcls.tools.{name}')


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def image_folder(tmp_path):
    """data/{cat,dog}/*.png: 3 small images per class."""
    rng = np.random.default_rng(0)
    for cls in ('cat', 'dog'):
        (tmp_path / 'data' / cls).mkdir(parents=True)
        for i in range(3):
            img = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
            cv2.imwrite(str(tmp_path / 'data' / cls / f'{cls}{i}.png'), img)
    return tmp_path / 'data'


@pytest.fixture
def config_file(tmp_path, image_folder):
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"model = dict(type='ResNet', depth=18)\n"
                   f"test_dataloader = dict(dataset=dict(type='CustomDataset', "
                   f"data_prefix={str(image_folder)!r}))\n")
    return cfg


@pytest.fixture
def result_file(tmp_path, image_folder):
    """Predictions for the 6 images: cat0..2 (gt 0), dog0..2 (gt 1); 4 right, 2 wrong."""
    scores = [[0.9, 0.1], [0.6, 0.4], [0.3, 0.7],   # cats: right, right, wrong (0.7)
              [0.2, 0.8], [0.45, 0.55], [0.95, 0.05]]  # dogs: right, right, wrong (0.95)
    samples = []
    for i, score in enumerate(scores):
        cls = 'cat' if i < 3 else 'dog'
        sample = ClsDataSample(metainfo={'img_path': str(image_folder / cls / f'{cls}{i % 3}.png'),
                                         'sample_idx': i})
        sample.set_gt_label(i // 3).set_pred_score(torch.tensor(score))
        sample.set_pred_label(int(np.argmax(score)))
        samples.append(sample)
    out = tmp_path / 'results.pkl'
    evaluator = Evaluator(DumpResults(str(out)))
    evaluator.process(samples)
    evaluator.evaluate(len(samples))
    return out


def write_scalars(path, epochs=3, iters=4, time_of=lambda e, i: 0.1 * e + (0.5 if i == 0 else 0)):
    lines = []
    step = 0
    for epoch in range(1, epochs + 1):
        for i in range(iters):
            step += 1
            lines.append({'lr': 0.1, 'data_time': 0.01, 'loss': 2.0 / step,
                          'time': time_of(epoch, i), 'epoch': epoch, 'iter': step,
                          'memory': 100, 'step': step})
        lines.append({'accuracy/top1': 50.0 + epoch, 'accuracy/top5': 90.0 + epoch,
                      'data_time': 0.02, 'time': 0.05, 'step': epoch})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')
    return path


# ---------------------------------------------------------------- --help
def test_help_of_every_tool_does_not_import_torch():
    script = (
        'import runpy, sys\n'
        'for argv in sys.argv[1:]:\n'
        '    sys.argv = argv.split()\n'
        '    try:\n'
        "        runpy.run_path(sys.argv[0], run_name='__main__')\n"
        '    except SystemExit as e:\n'
        '        assert e.code == 0, argv\n'
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('OK')\n")
    calls = [f'{TOOLS / name}.py --help' for name in
             ('eval_metric', 'analyze_results', 'get_flops', 'confusion_matrix', 'analyze_logs')]
    calls += [f'{TOOLS}/analyze_logs.py plot_curve --help',
              f'{TOOLS}/analyze_logs.py cal_train_time --help']
    proc = subprocess.run([sys.executable, '-c', script, *calls], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('usage:') == len(calls) and proc.stdout.endswith('OK\n')


# ---------------------------------------------------------------- eval_metric
def test_eval_metric_on_dump(result_file, capsys):
    tool = load_tool('eval_metric')
    metrics = tool.main([str(result_file), '--metric', 'type=Accuracy', 'topk=1,2',
                         '--metric', 'type=SingleLabelMetric', 'items=precision,recall,f1-score'])
    assert metrics['accuracy/top1'] == pytest.approx(400 / 6)
    assert metrics['accuracy/top2'] == pytest.approx(100.0)
    # cat: predicted 3x (2 right), dog: predicted 3x (2 right)
    assert metrics['single-label/precision'] == pytest.approx(200 / 3, rel=1e-5)
    out = capsys.readouterr().out
    assert 'accuracy/top1' in out and '66.6667' in out


def test_eval_metric_needs_a_metric(result_file):
    tool = load_tool('eval_metric')
    with pytest.raises(ValueError, match='at least one --metric'):
        tool.main([str(result_file)])
    with pytest.raises(ValueError, match='has no type='):
        tool.main([str(result_file), '--metric', 'topk=1'])


# ---------------------------------------------------------------- analyze_logs
def test_cal_train_time_format(tmp_path, capsys):
    log = write_scalars(tmp_path / 'work' / '20230206_181002' / 'vis_data' / 'scalars.json')
    tool = load_tool('analyze_logs')
    tool.main(['cal_train_time', str(log)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f'-----Analyze train time of {log}-----'
    # the first (slow) iteration of each epoch is an outlier and is left out
    assert lines[1:5] == ['slowest epoch 3, average time is 0.3000',
                          'fastest epoch 1, average time is 0.1000',
                          'time std over epochs is 0.0816',
                          'average iter time: 0.2000 s/iter']
    tool.main(['cal_train_time', str(log), '--include-outliers'])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == 'slowest epoch 3, average time is 0.4250'
    assert lines[4] == 'average iter time: 0.3250 s/iter'


def test_load_json_log_splits_phases(tmp_path):
    logs = load_tool('analyze_logs').load_json_log(str(write_scalars(tmp_path / 's.json')))
    assert len(logs['train']) == 12 and len(logs['val']) == 3
    assert logs['val'][2]['accuracy/top1'] == 53.0
    bad = tmp_path / 'bad.json'
    bad.write_text('{"lr": 1}\nnot json\n')
    with pytest.raises(ValueError, match='bad.json:2'):
        load_tool('analyze_logs').load_json_log(str(bad))


def test_plot_curve_writes_png(tmp_path, capsys):
    log1 = write_scalars(tmp_path / 'run1' / 'vis_data' / 'scalars.json')
    log2 = write_scalars(tmp_path / 'run2' / 'vis_data' / 'scalars.json', epochs=2)
    out = tmp_path / 'plots' / 'curve.png'
    tool = load_tool('analyze_logs')
    tool.main(['plot_curve', str(log1), str(log2), '--keys', 'loss', 'accuracy_top-1',
               '--backend', 'Agg', '--out', str(out), '--title', 'demo'])
    assert out.stat().st_size > 5000
    assert cv2.imread(str(out)).shape == (700, 1200, 3)  # 12*7 inches at 100 dpi
    printed = capsys.readouterr().out
    assert 'metric is accuracy/top1' in printed and 'metric is loss' in printed
    assert tool.default_legends([str(log1)], ['loss']) == ['run1-loss']


def test_plot_curve_errors(tmp_path):
    log = write_scalars(tmp_path / 'scalars.json')
    tool = load_tool('analyze_logs')
    with pytest.raises(ValueError, match="key 'acc' is not in the log; choose from"):
        tool.main(['plot_curve', str(log), '--keys', 'acc', '--backend', 'Agg',
                   '--out', str(tmp_path / 'x.png')])
    with pytest.raises(ValueError, match='--legend needs 2 names'):
        tool.main(['plot_curve', str(log), '--keys', 'loss', 'lr', '--legend', 'a',
                   '--backend', 'Agg', '--out', str(tmp_path / 'x.png')])
    with pytest.raises(SystemExit):
        tool.parse_args(['plot_curve', str(log), '--window-size', '12x7'])


# ---------------------------------------------------------------- get_flops
class TinyClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4),
                                      nn.ReLU())
        self.neck = nn.Flatten()
        self.head = nn.Linear(4 * 6 * 6, 2)

    def extract_feat(self, x):
        return self.neck(self.backbone(x))

    def forward(self, x):
        return self.head(self.extract_feat(x))


def test_complexity_of_a_small_model_by_hand():
    tool = load_tool('get_flops')
    result = tool.analyze_complexity(TinyClassifier(), torch.zeros(1, 3, 8, 8))
    conv_macs = 4 * 6 * 6 * 3 * 3 * 3  # out elements x kernel volume
    bn_flops = 2 * 4 * 6 * 6  # eval BN with affine: 2 per element (fvcore)
    assert result.flops['backbone.0'] == conv_macs
    assert result.flops['backbone.1'] == bn_flops
    assert result.total_flops == conv_macs + bn_flops  # the head is not run
    assert result.total_activations == 4 * 6 * 6
    assert result.total_params == 108 + 8 + 144 * 2 + 2
    table = tool.complexity_table(result)
    rows = {line.split('|')[1].strip(): [c.strip() for c in line.split('|')[2:5]]
            for line in table.splitlines()[2:]}
    assert rows['model'] == ['0.406K', '4.176K', '0.144K']
    assert rows['backbone.0'] == ['0.108K', '3.888K', '0.144K']
    assert rows['backbone.0.weight'] == ['(4, 3, 3, 3)', '', '']
    assert rows['head'] == ['0.29K', '', '']  # not run: no FLOPs shown
    assert 'backbone.2' not in rows  # ReLU: nothing to show


def test_forward_is_used_without_extract_feat_and_matmul_counts():
    tool = load_tool('get_flops')
    model = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4))
    result = tool.analyze_complexity(model, torch.zeros(2, 8))
    assert result.total_flops == 2 * (8 * 16 + 16 * 4)
    assert result.total_activations == 2 * (16 + 4)


def test_format_size_like_fvcore():
    fmt = load_tool('get_flops').format_size
    assert [fmt(v) for v in (17_582_000_000, 91_234_000, 756_480, 1536, 100, 0)] == \
        ['17.582G', '91.234M', '0.756M', '1.536K', '100', '0']


def test_get_flops_main_on_a_config(tmp_path, capsys):
    cfg = tmp_path / 'resnet18.py'
    cfg.write_text("model = dict(type='ResNet', depth=18)\n")
    result = load_tool('get_flops').main([str(cfg), '--shape', '32', '48'])
    out = capsys.readouterr().out
    assert 'Input shape: (3, 32, 48)' in out
    assert f'Flops: {load_tool("get_flops").format_size(result.total_flops)}' in out
    assert 'Params: 11.177M' in out  # ResNet-18 backbone
    assert '|  layer1 ' in out  # level-1 rows are indented by one space


# ---------------------------------------------------------------- confusion_matrix
def test_confusion_matrix_from_result_pickle(config_file, result_file, tmp_path, capsys):
    out_png = tmp_path / 'cm' / 'cm.png'
    matrix = load_tool('confusion_matrix').main([str(config_file), str(result_file),
                                                 '--show-path', str(out_png),
                                                 '--include-values', '--cmap', 'Blues'])
    assert matrix.tolist() == [[2, 1], [1, 2]]
    assert out_png.stat().st_size > 1000
    assert 'saved at' in capsys.readouterr().out


def test_confusion_matrix_from_checkpoint_runs_the_model(tmp_path, image_folder):
    cfg = tmp_path / 'model_cfg.py'
    cfg.write_text(f"""
model = dict(type='ImageClassifier', backbone=dict(type='ResNet_CIFAR', depth=18),
             neck=dict(type='GlobalAveragePooling'),
             head=dict(type='LinearClsHead', num_classes=2, in_channels=512,
                       loss=dict(type='CrossEntropyLoss')))
data_preprocessor = dict(num_classes=2, mean=[127.0] * 3, std=[60.0] * 3, to_rgb=True)
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackClsInputs')]
test_dataloader = dict(batch_size=4, num_workers=0,
                       dataset=dict(type='CustomDataset', data_prefix={str(image_folder)!r},
                                    pipeline=test_pipeline),
                       sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(type='Accuracy')
test_cfg = dict()
""")
    from mmcls.config import Config
    from mmcls.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, tmp_path / 'ckpt.pth')
    out_png = tmp_path / 'cm.png'
    matrix = load_tool('confusion_matrix').main([str(cfg), str(tmp_path / 'ckpt.pth'),
                                                 '--show-path', str(out_png)])
    assert matrix.shape == (2, 2) and matrix.sum(1).tolist() == [3, 3]
    assert out_png.stat().st_size > 1000


# ---------------------------------------------------------------- analyze_results
def test_analyze_results_saves_top_success_and_fail(config_file, result_file, tmp_path):
    out_dir = tmp_path / 'analysis'
    groups = load_tool('analyze_results').main([str(config_file), str(result_file),
                                                '--out-dir', str(out_dir), '--topk', '3',
                                                '--rescale-factor', '2'])
    success = json.loads((out_dir / 'success' / 'success.json').read_text())
    fail = json.loads((out_dir / 'fail' / 'fail.json').read_text())
    assert [s['pred_score'] for s in success] == pytest.approx([0.9, 0.8, 0.6])
    assert [(f['gt_class'], f['pred_class']) for f in fail] == [('dog', 'cat'), ('cat', 'dog')]
    assert len(groups['fail']) == 2
    pngs = sorted(os.listdir(out_dir / 'success'))
    assert pngs[0] == '000_cat0.png' and len(pngs) == 4  # 3 images + json
    drawn = cv2.imread(str(out_dir / 'success' / '000_cat0.png'))
    # the 12x16 image doubled to 24x32, with a text banner below it
    assert drawn.shape[0] > 24 and drawn.shape[1] > 32


def test_draw_prediction_keeps_image_and_adds_text():
    tool = load_tool('analyze_results')
    image = np.zeros((10, 10, 3), np.uint8)
    canvas = tool.draw_prediction(image, ['Ground truth: 1 (dog)', 'Prediction: 0 (cat)'])
    assert (canvas[:10, :10] == 0).all()
    banner = canvas[10:]
    assert (banner == 255).mean() > 0.5 and (banner < 128).any()  # white with dark text


def test_seed_reference_numbers_resnet50_and_vit_b():
    """ResNet-50 ~4.1 GFLOPs (model zoo) and the published ViT-B/16 rows."""
    from mmcls.registry import MODELS
    tool = load_tool('get_flops')
    resnet = tool.analyze_complexity(MODELS.build(dict(type='ResNet', depth=50)),
                                     torch.zeros(1, 3, 224, 224))
    assert tool.format_size(resnet.total_flops) == '4.109G'
    vit = tool.analyze_complexity(
        MODELS.build(dict(type='VisionTransformer', arch='b', img_size=224, patch_size=16)),
        torch.zeros(1, 3, 224, 224))
    fmt = tool.format_size
    assert (fmt(vit.total_flops), fmt(vit.total_params), fmt(vit.total_activations)) == \
        ('17.582G', '85.799M', '23.895M')
    assert (fmt(vit.flops['layers']), fmt(vit.activations['layers'])) == ('17.466G', '23.744M')
    assert (fmt(vit.params['layers.0']), fmt(vit.flops['layers.0']),
            fmt(vit.activations['layers.0'])) == ('7.088M', '1.455G', '1.979M')
    assert (fmt(vit.flops['patch_embed.projection']), fmt(vit.flops['ln1'])) == \
        ('0.116G', '0.756M')
