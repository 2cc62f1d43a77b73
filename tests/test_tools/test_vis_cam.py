"""tools/visualizations/vis_cam.py and mmcls/deployment/cam.py.

The CAM computations need the ``grad-cam`` extra (``pytorch_grad_cam``, which imports
torchvision); those tests skip with the import error when it is not usable.  Layer naming,
default layers and the token reshape are tested without it.
"""
import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmcls.deployment.cam import (GradCamDependencyError, default_target_layers,
                                  import_grad_cam, make_reshape_transform, resolve_layer)

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'visualizations' / 'vis_cam.py'
DEMO = REPO / 'demo' / 'demo.JPEG'
METHODS = ['GradCAM', 'GradCAM++', 'XGradCAM', 'EigenCAM', 'EigenGradCAM', 'LayerCAM']

CONFIG = '''
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           to_rgb=True),
    backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=8, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=4, in_channels=64))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=40, edge='short'),
    dict(type='CenterCrop', crop_size=32),
    dict(type='PackClsInputs'),
]
'''


def grad_cam_or_skip():
    try:
        import_grad_cam()
    except GradCamDependencyError as error:
        pytest.skip(f'grad-cam extra not usable: {error}')


def load_tool():
    spec = importlib.util.spec_from_file_location('vis_cam', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from mmcls.apis import init_model
    from mmcls.runner.checkpoint import save_checkpoint
    folder = tmp_path_factory.mktemp('cam')
    config = folder / 'tiny_cam.py'
    config.write_text(CONFIG)
    torch.manual_seed(0)
    model = init_model(str(config))
    ckpt = folder / 'tiny.pth'
    save_checkpoint({'state_dict': model.state_dict()}, str(ckpt))
    return str(config), str(ckpt), model


def test_resolve_layer_names(tiny):
    import mmcls
    model = mmcls.get_model('resnet18_8xb32_in1k')
    assert resolve_layer(model, 'backbone.layer4.1') is model.backbone.layer4[1]
    assert resolve_layer(model, 'backbone.layer4[-1]') is model.backbone.layer4[1]
    assert resolve_layer(model, 'backbone.layer4.1.conv1') is model.backbone.layer4[1].conv1
    with pytest.raises(ValueError, match='not found'):
        resolve_layer(model, 'backbone.layer9')
    with pytest.raises(ValueError, match='cannot parse'):
        resolve_layer(model, 'backbone.layer4;rm')


def test_default_target_layers_per_family(tiny):
    import mmcls
    assert default_target_layers(mmcls.get_model('resnet18_8xb32_in1k')) == ['backbone.layer4']
    deit = mmcls.get_model('deit-tiny_pt-4xb256_in1k')
    assert default_target_layers(deit) == ['backbone.layers[-1].ln1']
    # a family without an entry: the backbone's last norm layer
    name = default_target_layers(tiny[2])[0]
    assert name.startswith('backbone.layer4.') and isinstance(
        resolve_layer(tiny[2], name), torch.nn.BatchNorm2d)


def test_reshape_transform_drops_extra_tokens():
    import mmcls
    deit = mmcls.get_model('deit-tiny_pt-4xb256_in1k')
    tokens = torch.arange(2 * 197 * 3, dtype=torch.float32).reshape(2, 197, 3)
    maps = make_reshape_transform(deit)(tokens)
    assert maps.shape == (2, 3, 14, 14)
    assert torch.equal(maps[:, :, 0, 0], tokens[:, 1])  # the class token is gone
    with pytest.raises(ValueError, match='square'):
        make_reshape_transform(deit, num_extra_tokens=0)(tokens)


@pytest.mark.parametrize('method', METHODS)
def test_every_method_writes_a_png(tiny, tmp_path, method):
    grad_cam_or_skip()
    config, ckpt, _ = tiny
    out = tmp_path / 'cam.png'
    code = load_tool().main([str(DEMO), config, ckpt, '--method', method.lower(),
                             '--save-path', str(out)])
    assert code == 0
    img = cv2.imread(str(out))
    assert img.shape == (32, 32, 3)  # the test pipeline's crop


def test_target_category_and_smoothing_change_the_map(tiny):
    grad_cam_or_skip()
    from mmcls.deployment.cam import compute_cam
    _, _, model = tiny
    torch.manual_seed(1)
    inputs = torch.randn(1, 3, 32, 32)
    maps = [compute_cam(model, inputs, 'GradCAM', ['backbone.layer3'], [c]) for c in range(4)]
    assert all(m.shape == (1, 32, 32) for m in maps)
    assert all(0 <= m.min() and m.max() <= 1 for m in maps)
    assert any(not np.allclose(maps[0], m, atol=1e-3) for m in maps[1:])
    smooth = compute_cam(model, inputs, 'GradCAM', ['backbone.layer3'], [0], eigen_smooth=True)
    assert not np.allclose(smooth, maps[0], atol=1e-3)


def test_vit_like_model_gets_a_nonzero_map(tmp_path):
    """DeiT: the default layer (first norm of the last block) gets gradients, so the map is not
    empty; the tool turns on --vit-like by itself."""
    grad_cam_or_skip()
    import mmcls
    from mmcls.runner.checkpoint import save_checkpoint
    torch.manual_seed(0)
    model = mmcls.get_model('deit-tiny_pt-4xb256_in1k')
    ckpt = tmp_path / 'deit.pth'
    save_checkpoint({'state_dict': model.state_dict()}, str(ckpt))
    out = tmp_path / 'deit.png'
    assert load_tool().main([str(DEMO), model.cfg.filename, str(ckpt), '--save-path',
                             str(out)]) == 0
    from mmcls.deployment.cam import compute_cam
    grey = compute_cam(model, torch.randn(1, 3, 224, 224), vit_like=True)
    assert grey.shape == (1, 224, 224) and grey.max() > 0
    assert cv2.imread(str(out)).shape == (224, 224, 3)


def test_preview_model_lists_layers(tiny, capsys):
    config, ckpt, _ = tiny
    assert load_tool().main([str(DEMO), config, ckpt, '--preview-model']) == 0
    assert 'backbone.layer3.0.conv1' in capsys.readouterr().out


def test_missing_grad_cam_is_explained(tiny, monkeypatch, capsys):
    config, ckpt, _ = tiny
    monkeypatch.setitem(sys.modules, 'pytorch_grad_cam', None)
    assert load_tool().main([str(DEMO), config, ckpt]) == 2
    assert 'mmcls[cam]' in capsys.readouterr().err


def test_unknown_method_is_rejected(tiny):
    grad_cam_or_skip()
    from mmcls.deployment.cam import compute_cam
    with pytest.raises(ValueError, match='unknown CAM method'):
        compute_cam(tiny[2], torch.randn(1, 3, 32, 32), method='ScoreCAM')
