"""tools/visualizations/vis_cam.py, mmcls/visualization/cam.py and cam_methods.py.

The formulas are checked on small hand-built models where the right map is known in closed
form (global-average-pooling + linear head: Grad-CAM is the classic CAM), the tool end to end on
real images and models of the zoo.
"""
import importlib
import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn

from mmcls.visualization.cam import (LayerRecorder, compute_cam, default_target_layers,
                                  make_reshape_transform, normalize_maps, resolve_layer)
from mmcls.visualization.cam_methods import cam_map, first_component_map

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


def load_tool():
    return importlib.import_module('mmcls.tools.vis_cam')


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    from mmcls.apis import init_model
    from mmcls.core.checkpoint import save_checkpoint
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
    config, ckpt, _ = tiny
    out = tmp_path / 'cam.png'
    code = load_tool().main([str(DEMO), config, ckpt, '--method', method.lower(),
                             '--save-path', str(out)])
    assert code == 0
    img = cv2.imread(str(out))
    assert img.shape == (32, 32, 3)  # the test pipeline's crop


def test_target_category_and_smoothing_change_the_map(tiny):
    from mmcls.visualization.cam import compute_cam
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
    import mmcls
    from mmcls.core.checkpoint import save_checkpoint
    torch.manual_seed(0)
    model = mmcls.get_model('deit-tiny_pt-4xb256_in1k')
    ckpt = tmp_path / 'deit.pth'
    save_checkpoint({'state_dict': model.state_dict()}, str(ckpt))
    out = tmp_path / 'deit.png'
    assert load_tool().main([str(DEMO), model.cfg.filename, str(ckpt), '--save-path',
                             str(out)]) == 0
    from mmcls.visualization.cam import compute_cam
    grey = compute_cam(model, torch.randn(1, 3, 224, 224), vit_like=True)
    assert grey.shape == (1, 224, 224) and grey.max() > 0
    assert cv2.imread(str(out)).shape == (224, 224, 3)


def test_preview_model_lists_layers(tiny, capsys):
    config, ckpt, _ = tiny
    assert load_tool().main([str(DEMO), config, ckpt, '--preview-model']) == 0
    assert 'backbone.layer3.0.conv1' in capsys.readouterr().out


def test_unknown_method_is_rejected(tiny):
    from mmcls.visualization.cam import compute_cam
    with pytest.raises(ValueError, match='unknown CAM method'):
        compute_cam(tiny[2], torch.randn(1, 3, 32, 32), method='ScoreCAM')


class PooledLinear(nn.Module):
    """``features`` (the CAM target layer) → global average pool → linear, the model of the
    original CAM paper: for it Grad-CAM's channel weights are the linear weights / (h*w)."""

    def __init__(self, weight: torch.Tensor, features: nn.Module = None):
        super().__init__()
        self.features = features or nn.Identity()
        self.fc = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
        self.fc.weight.data.copy_(weight)

    def forward(self, inputs, mode='tensor'):
        return self.fc(self.features(inputs).mean(dim=(2, 3)))


class SpatialMask(nn.Module):
    """Multiply by a fixed left-right asymmetric mask: not flip-equivariant."""

    def __init__(self, size: int):
        super().__init__()
        self.register_buffer('mask', torch.linspace(0.1, 1.0, size).expand(size, size).clone())

    def forward(self, inputs):
        return inputs * self.mask


def blobs(size=8):
    """Two overlapping positive blobs, one per channel (1, 2, size, size)."""
    axis = torch.arange(size, dtype=torch.float32)
    yy, xx = torch.meshgrid(axis, axis, indexing='ij')
    first = torch.exp(-((yy - 2) ** 2 + (xx - 2) ** 2) / 4)
    second = torch.exp(-((yy - 4) ** 2 + (xx - 5) ** 2) / 6)
    return torch.stack([first, second])[None]


def classic_cam(weights, activations):
    """ReLU(sum_k w_k A_k), scaled to [0, 1]: the closed-form answer."""
    return normalize_maps((weights[:, None, None] * activations[0]).sum(0).clamp(min=0)[None])


def test_gradcam_and_xgradcam_equal_the_classic_cam():
    weight = torch.tensor([[2.0, -1.0], [-0.5, 1.5]])
    model, inputs = PooledLinear(weight), blobs()
    for category in (0, 1):
        expected = classic_cam(weight[category], inputs).numpy()
        for method in ('GradCAM', 'XGradCAM'):
            got = compute_cam(model, inputs, method, ['features'], [category])
            np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=method)


def test_gradcam_pp_and_layercam_keep_positive_gradients_only():
    """Channel 1 lowers the score: GradCAM subtracts it, GradCAM++ and LayerCAM ignore it."""
    weight = torch.tensor([[1.0, -1.0]])
    model, inputs = PooledLinear(weight), blobs()
    only_first = normalize_maps(inputs[:, 0]).numpy()
    gradcam = compute_cam(model, inputs, 'GradCAM', ['features'])
    for method in ('GradCAM++', 'LayerCAM'):
        got = compute_cam(model, inputs, method, ['features'])
        np.testing.assert_allclose(got, only_first, atol=1e-5, err_msg=method)
        assert not np.allclose(got, gradcam, atol=1e-2)


def test_eigen_methods_find_the_principal_pattern():
    """Rank-one activations a_k * P: the first component is P (centred), pointing at P's peak."""
    pattern = blobs()[0, 0]
    inputs = torch.stack([2.0 * pattern, 0.5 * pattern])[None]
    model = PooledLinear(torch.tensor([[1.0, 1.0]]))
    expected = normalize_maps((pattern - pattern.mean()).clamp(min=0)[None]).numpy()
    for method in ('EigenCAM', 'EigenGradCAM'):
        got = compute_cam(model, inputs, method, ['features'])
        np.testing.assert_allclose(got, expected, atol=1e-5, err_msg=method)
        assert np.unravel_index(got[0].argmax(), got[0].shape) == (2, 2)


def test_first_component_sign_follows_the_channel_sum():
    pattern = blobs()[0, :1]  # (1, h, w)
    up = first_component_map(pattern[None])
    down = first_component_map(-pattern[None])
    assert up[0, 2, 2] > 0 and down[0, 2, 2] < 0  # each agrees with its own channel sum
    torch.testing.assert_close(up, -down)


def test_eigen_smooth_replaces_the_channel_sum_by_the_first_component():
    pattern = blobs()[0, :1]
    model, inputs = PooledLinear(torch.tensor([[1.0]])), pattern[None]
    plain = compute_cam(model, inputs, 'GradCAM', ['features'])
    smooth = compute_cam(model, inputs, 'GradCAM', ['features'], eigen_smooth=True)
    np.testing.assert_allclose(plain, normalize_maps(pattern).numpy(), atol=1e-5)
    np.testing.assert_allclose(
        smooth, normalize_maps((pattern - pattern.mean()).clamp(min=0)).numpy(), atol=1e-5)


def test_aug_smooth_undoes_its_flips():
    """A flip-equivariant, scale-linear model gets the same map with or without aug-smooth;
    one that is not flip-equivariant gets a different one."""
    inputs = blobs()
    weight = torch.tensor([[1.0, 0.3]])
    equivariant = PooledLinear(weight)
    np.testing.assert_allclose(
        compute_cam(equivariant, inputs, 'GradCAM', ['features'], aug_smooth=True),
        compute_cam(equivariant, inputs, 'GradCAM', ['features']), atol=1e-5)
    masked = PooledLinear(weight, SpatialMask(8))
    smooth = compute_cam(masked, inputs, 'GradCAM', ['features'], aug_smooth=True)
    assert not np.allclose(smooth, compute_cam(masked, inputs, 'GradCAM', ['features']),
                           atol=1e-3)
    assert smooth.min() >= 0 and smooth.max() <= 1


def test_default_category_is_the_prediction_and_hooks_are_removed():
    weight = torch.tensor([[2.0, -1.0], [-0.5, 1.5]])
    model, inputs = PooledLinear(weight), blobs()
    predicted = int(model(inputs).argmax())
    np.testing.assert_array_equal(compute_cam(model, inputs, 'GradCAM', ['features']),
                                  compute_cam(model, inputs, 'GradCAM', ['features'],
                                              [predicted]))
    with pytest.raises(ValueError, match='out of range'):
        compute_cam(model, inputs, 'GradCAM', ['features'], [7])
    assert not model.features._forward_hooks
    assert all(p.grad is None for p in model.parameters())


def test_layer_without_gradient_is_reported():
    class SideBranch(PooledLinear):
        def forward(self, inputs, mode='tensor'):
            self.side(inputs)  # runs, but does not reach the logits
            return super().forward(inputs)

    model = SideBranch(torch.tensor([[1.0, 1.0]]))
    model.side = nn.Conv2d(2, 2, 1)
    with pytest.raises(ValueError, match='no gradient'):
        compute_cam(model, blobs(), 'GradCAM', ['side'])
    assert cam_map('EigenCAM', blobs(), None).shape == (1, 8, 8)
    with pytest.raises(ValueError, match='needs the gradients'):
        cam_map('LayerCAM', blobs(), None)


def test_multiple_layers_are_averaged():
    inputs = blobs()
    model = PooledLinear(torch.tensor([[1.0, 0.5]]), nn.Sequential(nn.Identity(), nn.ReLU()))
    one = compute_cam(model, inputs, 'GradCAM', ['features.0'])
    both = compute_cam(model, inputs, 'GradCAM', ['features.0', 'features.1'])
    np.testing.assert_allclose(both, one, atol=1e-5)  # ReLU of positive inputs: same maps
    with LayerRecorder([model.features[0]]) as recorder:
        model(inputs)
    assert recorder.activations[0].shape == (1, 2, 8, 8)


def test_swin_default_layer_gives_a_map():
    import mmcls
    torch.manual_seed(0)
    swin = mmcls.get_model('swin-tiny_16xb64_in1k')
    assert default_target_layers(swin) == ['backbone.norm3']
    grey = compute_cam(swin, torch.randn(1, 3, 224, 224), 'LayerCAM', vit_like=True)
    assert grey.shape == (1, 224, 224) and grey.max() > 0.99


def test_tool_smoothing_flags_and_bad_arguments(tiny, tmp_path, capsys):
    config, ckpt, _ = tiny
    out = tmp_path / 'smooth.png'
    assert load_tool().main([str(DEMO), config, ckpt, '--method', 'layercam', '--aug-smooth',
                             '--eigen-smooth', '--target-layers', 'backbone.layer3',
                             '--target-category', '2', '--save-path', str(out)]) == 0
    assert cv2.imread(str(out)).shape == (32, 32, 3)
    assert load_tool().main([str(DEMO), config, ckpt, '--method', 'ScoreCAM']) == 2
    assert 'unknown CAM method' in capsys.readouterr().err
    assert load_tool().main([str(DEMO), config, ckpt, '--target-layers', 'backbone.layer9',
                             '--save-path', str(out)]) == 2
    assert 'backbone.layer9' in capsys.readouterr().err
