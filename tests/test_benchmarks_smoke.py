"""benchmarks/gpu_train.py and gpu_infer.py run end to end in their reduced mode (so they do
not rot) and print the side-by-side table with its ratio lines."""
import builtins
import importlib.util
import re
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / 'benchmarks'


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def gpu_train():
    return _load('gpu_train')


@pytest.fixture(scope='module')
def gpu_infer():
    return _load('gpu_infer')


def _ratio_lines(out, prefix):
    return re.findall(rf'^ratio {prefix} (\S+) (\S+) ?(\S*): (\d+\.\d+)$', out, re.M)


def test_gpu_train_smoke_prints_every_ratio(gpu_train, capsys):
    gpu_train.main(['--cpu-smoke'])
    out = capsys.readouterr().out
    assert '[cpu smoke: tiny models]' in out and 'batch=2 image=64' in out
    header = next(line for line in out.splitlines() if line.startswith('model '))
    assert header.split() == ['model', 'data', 'mode', 'runner', 'img/s', 'hand', 'img/s',
                              'timm', 'img/s', 'runner/hand', 'timm/hand', 'hand/hand', 'fp32']
    found = {(m, d, mode) for m, d, mode, value in _ratio_lines(out, 'runner/hand')
             if float(value) > 0}
    assert found == {(m, d, mode) for m in ('resnet50', 'vit-b16')
                     for d in ('synthetic', 'jpeg')
                     for mode in ('fp32', 'amp', 'amp+cl', 'amp+cl+compile')}
    timm_present = gpu_train.common.timm_available()
    assert ('timm is not installed' in out) is not timm_present


def test_gpu_infer_smoke_prints_every_ratio(gpu_infer, capsys):
    gpu_infer.main(['--cpu-smoke', '--modes', 'fp32', 'amp+cl'])
    out = capsys.readouterr().out
    compile_ratios = {(m, mode) for m, mode, _, value in _ratio_lines(out, 'compile/eager')
                      if float(value) > 0}
    assert compile_ratios == {(m, mode) for m in ('resnet50', 'vit-b16')
                              for mode in ('fp32', 'amp+cl')}
    ort = {(m, mode) for m, mode, _, _ in _ratio_lines(out, 'onnxruntime/eager')}
    if importlib.util.find_spec('onnxruntime') is None:
        assert 'onnxruntime is not installed' in out and not ort
    else:  # CPU provider in a CPU run; fp32 rows only
        assert ort == {('resnet50', 'fp32'), ('vit-b16', 'fp32')}


def test_gpu_infer_without_onnxruntime_says_so(gpu_infer, monkeypatch):
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == 'onnxruntime':
            raise ImportError('No module named onnxruntime')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_onnxruntime)
    providers, reason = gpu_infer.onnxruntime_status(gpu_infer.parse_args(['--cpu-smoke']))
    assert providers is None and reason.startswith('onnxruntime is not installed')


def test_bad_modes_are_refused(gpu_train, gpu_infer):
    with pytest.raises(SystemExit, match="'amp\\+fast' is not fp32"):
        gpu_train.parse_args(['--cpu-smoke', '--modes', 'amp+fast'])
    with pytest.raises(SystemExit, match='compile is a column of gpu_infer'):
        gpu_infer.parse_args(['--cpu-smoke', '--modes', 'amp+compile'])
    assert gpu_train.common.parse_mode('amp+cl') == dict(amp=True, channels_last=True,
                                                         compile=False)


def test_gpu_train_timm_column(gpu_train, monkeypatch, capsys):
    """The timm side runs a model that takes normalised images and returns logits; a small
    torch network stands in for timm's where timm is not installed."""
    import torch.nn as nn

    def fake_timm_model(name, image_size, smoke, device):
        return nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(8, 1000)).to(device)

    monkeypatch.setattr(gpu_train.common, 'timm_available', lambda: True)
    monkeypatch.setattr(gpu_train.common, 'timm_model', fake_timm_model)
    gpu_train.main(['--cpu-smoke', '--models', 'resnet50', '--data', 'synthetic',
                    '--modes', 'fp32', 'amp+cl'])
    out = capsys.readouterr().out
    assert 'timm is not installed' not in out
    rows = [line.split() for line in out.splitlines() if line.startswith('resnet50 ')]
    assert [row[2] for row in rows] == ['fp32', 'amp+cl']
    for row in rows:  # runner, hand, timm rates, then runner/hand and timm/hand ratios
        assert all(float(value) > 0 for value in row[3:8]), row
