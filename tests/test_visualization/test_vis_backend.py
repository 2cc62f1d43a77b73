"""Visualizer base and its backends: local files, TensorBoard and WandB (optional packages)."""
import importlib.util
import json
import sys
import types

import cv2
import numpy as np
import pytest
import torch

from mmcls.registry import VISBACKENDS, VISUALIZERS
from mmcls.visualization.vis_backend import (LocalVisBackend, TensorboardVisBackend,
                                             WandbVisBackend)
from mmcls.visualization.visualizer import Visualizer


def test_local_backend_writes_json_lines_config_and_png(tmp_path):
    backend = LocalVisBackend(str(tmp_path / 'vis_data'))
    backend.add_scalars({'loss': torch.tensor(0.5), 'lr': np.float64(0.1)}, step=3)
    backend.add_scalar('acc', 70.0, step=4)
    backend.add_scalars({'loss': 0.25}, step=5, file_path='run.json')
    lines = (tmp_path / 'vis_data' / 'scalars.json').read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {'loss': 0.5, 'lr': 0.1, 'step': 3}, {'acc': 70.0, 'step': 4}, {'loss': 0.25, 'step': 5}]
    assert json.loads((tmp_path / 'vis_data' / 'run.json').read_text()) == {'loss': 0.25,
                                                                             'step': 5}
    backend.add_config(dict(model=dict(type='ResNet', depth=50)))
    assert "'depth': 50" in (tmp_path / 'vis_data' / 'config.py').read_text()
    image = np.zeros((4, 5, 3), np.uint8)
    image[..., 0] = 255  # red in RGB
    backend.add_image('pred', image, step=2)
    saved = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' / 'pred_2.png'))
    assert saved.shape == (4, 5, 3) and saved[0, 0].tolist() == [0, 0, 255]  # BGR on disk
    with pytest.raises(ValueError, match='file_path'):
        backend.add_scalars({'a': 1}, file_path='scalars.json')
    with pytest.raises(ValueError, match='save_dir'):
        LocalVisBackend().add_scalar('a', 1)


def test_visualizer_fans_out_and_tracks_instances(tmp_path):
    vis = VISUALIZERS.build(dict(type='Visualizer', name='vis_test', save_dir=str(tmp_path),
                                 vis_backends=[dict(type='LocalVisBackend')]))
    assert Visualizer.get_current_instance() is vis
    assert Visualizer.get_instance('vis_test') is vis
    vis.add_scalars({'loss': 1.0}, step=1)
    assert (tmp_path / 'vis_data' / 'scalars.json').exists()
    vis.set_image(np.zeros((2, 2), np.uint8))
    assert vis.get_image().shape == (2, 2, 3)
    vis.add_image('img', vis.get_image())
    assert (tmp_path / 'vis_data' / 'vis_image' / 'img_0.png').exists()
    assert isinstance(vis.get_backend('LocalVisBackend'), LocalVisBackend)
    with pytest.raises(ValueError, match='two backends'):
        Visualizer(name='dup', save_dir=str(tmp_path),
                   vis_backends=[dict(type='LocalVisBackend'), dict(type='LocalVisBackend')])


@pytest.mark.skipif(importlib.util.find_spec('tensorboard') is not None,
                    reason='tensorboard is installed')
def test_tensorboard_missing_gives_install_hint(tmp_path):
    with pytest.raises(ImportError, match='pip install tensorboard'):
        VISBACKENDS.build(dict(type='TensorboardVisBackend', save_dir=str(tmp_path)))


@pytest.mark.skipif(importlib.util.find_spec('tensorboard') is None,
                    reason='tensorboard is not installed')
def test_tensorboard_writes_events(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    backend.add_scalars({'loss': 1.0, 'name': 'text is skipped'}, step=1)
    backend.close()
    assert any(p.name.startswith('events.out') for p in tmp_path.iterdir())


def test_wandb_runs_offline(tmp_path, monkeypatch):
    calls = []
    fake = types.ModuleType('wandb')
    fake.init = lambda **kw: calls.append(('init', kw))
    fake.log = lambda data, commit=True: calls.append(('log', data))
    fake.finish = lambda: calls.append(('finish', ))
    fake.define_metric = lambda name, summary=None: calls.append(('define', name, summary))
    fake.config = types.SimpleNamespace(update=lambda d: calls.append(('config', d)))
    fake.__spec__ = importlib.util.spec_from_loader('wandb', loader=None)
    monkeypatch.setitem(sys.modules, 'wandb', fake)
    monkeypatch.delenv('WANDB_MODE', raising=False)
    backend = WandbVisBackend(str(tmp_path), define_metric_cfg={'acc': 'max'})
    backend.add_scalars({'acc': torch.tensor(3.0)}, step=1)
    backend.add_config(dict(a=1))
    backend.close()
    assert calls[0] == ('init', {'dir': str(tmp_path), 'mode': 'offline'})
    assert ('define', 'acc', 'max') in calls and ('log', {'acc': 3.0}) in calls
    assert ('config', {'a': 1}) in calls and calls[-1] == ('finish', )


def test_wandb_missing_gives_install_hint(monkeypatch):
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'wandb' else object())
    with pytest.raises(ImportError, match='pip install wandb'):
        WandbVisBackend('x')
