"""tools/model_converters/reparameterize_model.py: convert a training-time RepVGG checkpoint and
load it into the deploy-form model with the same predictions."""
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'model_converters' / 'reparameterize_model.py'
ALIAS = REPO / 'tools' / 'convert_models' / 'reparameterize_model.py'

CONFIG = '''
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='RepVGG',
        arch=dict(num_blocks=[1, 1, 1, 1], width_factor=[0.25, 0.25, 0.25, 0.25],
                  group_layer_map=None, se_cfg=None),
        deploy={deploy}),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=5, in_channels=128))
'''


def load_tool():
    return importlib.import_module('mmcls.tools.reparameterize_model')


@pytest.fixture
def trained_checkpoint(tmp_path):
    from mmcls.apis import init_model
    from mmcls.core.checkpoint import save_checkpoint
    train_cfg = tmp_path / 'train.py'
    train_cfg.write_text(CONFIG.format(deploy=False))
    (tmp_path / 'deploy.py').write_text(CONFIG.format(deploy=True))
    torch.manual_seed(0)
    model = init_model(str(train_cfg)).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    ckpt = tmp_path / 'train.pth'
    save_checkpoint({'state_dict': model.state_dict(), 'meta': {}}, str(ckpt))
    return model, train_cfg, ckpt


def test_converted_weights_load_strictly_into_the_deploy_model(tmp_path, trained_checkpoint):
    from mmcls.apis import init_model
    model, train_cfg, ckpt = trained_checkpoint
    target = tmp_path / 'deploy.pth'
    load_tool().main([str(train_cfg), str(ckpt), str(target)])
    state = torch.load(target, weights_only=True)['state_dict']
    assert not any('branch_3x3' in key for key in state)
    deploy = init_model(str(tmp_path / 'deploy.py')).eval()
    deploy.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(deploy(x), model(x), rtol=1e-4, atol=1e-5)


def test_non_reparameterisable_backbone_is_rejected(tmp_path):
    cfg = tmp_path / 'lenet.py'
    cfg.write_text("model = dict(type='ImageClassifier', backbone=dict(type='LeNet5'))\n")
    from mmcls.core.checkpoint import save_checkpoint
    from mmcls.apis import init_model
    ckpt = tmp_path / 'lenet.pth'
    save_checkpoint({'state_dict': init_model(str(cfg)).state_dict()}, str(ckpt))
    with pytest.raises(TypeError, match='switch_to_deploy'):
        load_tool().convert(str(cfg), str(ckpt), str(tmp_path / 'out.pth'))


def test_documented_alias_path_answers_help():
    result = subprocess.run([sys.executable, str(ALIAS), '--help'], capture_output=True,
                            text=True, check=True)
    assert 'save_path' in result.stdout
