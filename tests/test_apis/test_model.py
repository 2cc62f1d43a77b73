import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmcls.apis import get_model, init_model, list_models
from mmcls.apis.model_index import get_model_info, load_model_index
from mmcls.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESNET18 = osp.join(REPO, 'configs', 'resnet', 'resnet18_8xb32_in1k.py')


def test_list_models_pattern_case_insensitive():
    names = list_models('resnet*in1k')
    expected = ['resnet50_8xb32_in1k', 'resnet50_8xb32-fp16_in1k',
                'resnet50_8xb256-rsb-a1-600e_in1k', 'resnet50_8xb256-rsb-a2-300e_in1k',
                'resnet50_8xb256-rsb-a3-100e_in1k']
    assert set(expected) <= set(names)
    assert all(n.startswith('resnet') and n.endswith('in1k') for n in names)
    assert list_models('RESNET*IN1K') == names
    assert 'resnet18_8xb16_cifar10' not in names
    everything = list_models()
    for name in ('resnext50-32x4d_8xb32_in1k', 'seresnet101_8xb32_in1k', 'resnet50_8xb8_cub',
                 'wide-resnet50_3rdparty-timm_8xb32_in1k', 'resnetv1c152_8xb32_in1k'):
        assert name in everything
    assert list_models('no-such-model*') == []


def test_model_index_entries_point_to_configs():
    info = get_model_info('ResNet50_8xb32_IN1K')
    assert info['name'] == 'resnet50_8xb32_in1k'
    assert osp.isfile(info['config'])
    assert info['weights'].endswith('resnet50_8xb32_in1k_20210831-ea4938fc.pth')
    assert info['metadata']['Parameters'] == 25560000
    assert get_model_info('resnet50_8xb32_in1k.py')['name'] == 'resnet50_8xb32_in1k'
    for entry in load_model_index().values():
        assert osp.isfile(osp.join(REPO, entry['config'])), entry['name']
    with pytest.raises(KeyError, match='did you mean'):
        get_model_info('resnet50_8xb32_in1')


def test_list_models_does_not_import_torch():
    code = ('import sys; from mmcls import list_models; assert list_models("resnet18*"); '
            'assert "torch" not in sys.modules, "torch imported"')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=REPO)


def test_get_model_kwargs_merge_into_model_config():
    """four pooled features 256/512/1024/2048."""
    model = get_model('resnet50_8xb32_in1k', backbone=dict(out_indices=(0, 1, 2, 3)))
    assert not model.training
    with torch.no_grad():
        feats = model.extract_feat(torch.rand(2, 3, 64, 64))
    assert [tuple(f.shape) for f in feats] == [(2, 256), (2, 512), (2, 1024), (2, 2048)]
    assert model.backbone.depth == 50


def test_get_model_from_config_path_and_config_object():
    by_path = get_model(RESNET18, head=dict(num_classes=7))
    assert by_path.head.fc.out_features == 7
    by_cfg = get_model(Config.fromfile(RESNET18))
    assert by_cfg.head.fc.out_features == 1000
    with pytest.raises(TypeError):
        get_model(42)


def test_get_model_pretrained_path_loads_weights(tmp_path):
    source = get_model('resnet18_8xb16_cifar10')
    for p in source.parameters():
        torch.nn.init.normal_(p)
    ckpt = tmp_path / 'cifar.pth'
    torch.save({'state_dict': source.state_dict(),
                'meta': {'dataset_meta': {'classes': [str(i) for i in range(10)]}}}, ckpt)
    model = get_model('resnet18_8xb16_cifar10', pretrained=str(ckpt), device='cpu')
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    assert model.CLASSES[3] == '3'
    no_weights = get_model('lenet5_mnist')
    with pytest.raises(ValueError, match='no pre-defined weights'):
        get_model('lenet5_mnist', pretrained=True)
    assert no_weights.backbone.num_classes == 10


def test_init_model(tmp_path):
    model = init_model(RESNET18)
    assert model.cfg.filename.endswith('resnet18_8xb32_in1k.py')
    assert not model.training
    ckpt = tmp_path / 'r18.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    again = init_model(Config.fromfile(RESNET18), str(ckpt), device='cpu', neck=None,
                       head=None)
    assert again.head is None
    assert torch.equal(again.backbone.conv1.weight, model.backbone.conv1.weight)
    with pytest.raises(FileNotFoundError):
        init_model(os.path.join(str(tmp_path), 'missing.py'))
