"""TIMMBackbone, TimmClassifier and HuggingFaceClassifier: the wrapper logic, run against small
stand-in ``timm`` / ``transformers`` modules (the real packages are optional), plus the clear
error when a package is missing."""
import sys
import types

import pytest
import torch
import torch.nn as nn

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample


class TinyNet(nn.Module):
    """A timm-like network: ``forward_features``, ``reset_classifier``, grad checkpointing."""

    def __init__(self, num_classes=3, in_chans=3):
        super().__init__()
        self.conv = nn.Conv2d(in_chans, 4, 3, padding=1)
        self.fc = nn.Linear(4, num_classes)
        self.checkpointing = False
        self.feature_info = [dict(num_chs=4, reduction=1, module='conv')]

    def forward_features(self, x):
        return self.conv(x)

    def forward(self, x):
        x = self.forward_features(x).mean((2, 3))
        return x if self.fc is None else self.fc(x)

    def reset_classifier(self, num_classes, global_pool=''):
        self.fc = None

    def set_grad_checkpointing(self, enable=True):
        self.checkpointing = enable


@pytest.fixture
def fake_timm(monkeypatch):
    calls = []

    def create_model(model_name=None, pretrained=False, **kwargs):
        calls.append(dict(model_name=model_name, pretrained=pretrained, **kwargs))
        return TinyNet(num_classes=kwargs.get('num_classes', 3), in_chans=kwargs.get('in_chans', 3))

    module = types.ModuleType('timm')
    module.create_model = create_model
    monkeypatch.setitem(sys.modules, 'timm', module)
    return calls


def _samples(labels):
    return [ClsDataSample().set_gt_label(label) for label in labels]


def test_timm_backbone_returns_a_tuple_without_the_classifier(fake_timm):
    backbone = MODELS.build(dict(type='TIMMBackbone', model_name='tiny', in_channels=1))
    assert fake_timm[-1]['in_chans'] == 1 and fake_timm[-1]['features_only'] is False
    out = backbone(torch.randn(2, 1, 8, 8))
    assert isinstance(out, tuple) and out[0].shape == (2, 4)  # pooled features, no fc
    with pytest.raises(TypeError, match='pretrained must be a bool'):
        MODELS.build(dict(type='TIMMBackbone', model_name='tiny', pretrained='w.pth'))
    pretrained = MODELS.build(dict(type='TIMMBackbone', model_name='tiny', pretrained=True))
    assert pretrained.is_init  # timm's weights are kept by init_weights


def test_timm_classifier_modes_and_timm_compatible_checkpoints(fake_timm):
    model = MODELS.build(dict(type='TimmClassifier', model_name='tiny', num_classes=3,
                              with_cp=True))
    assert model.model.checkpointing and fake_timm[-1]['num_classes'] == 3
    inputs = torch.randn(2, 3, 8, 8)
    assert model(inputs).shape == (2, 3)
    losses = model(inputs, _samples([0, 2]), mode='loss')
    assert losses['loss'].ndim == 0 and losses['loss'] > 0
    preds = model(inputs, mode='predict')
    torch.testing.assert_close(preds[0].pred_label.score, model(inputs)[0].softmax(-1))
    assert model.extract_feat(inputs).shape == (2, 4, 8, 8)

    state = model.state_dict()
    assert 'conv.weight' in state and not any(k.startswith('model.') for k in state)
    timm_net = TinyNet()  # the state dict is a plain timm one...
    timm_net.load_state_dict(state)
    other = MODELS.build(dict(type='TimmClassifier', model_name='tiny', num_classes=3))
    other.load_state_dict(timm_net.state_dict())  # ...and timm's loads back
    torch.testing.assert_close(other(inputs), model(inputs))


def test_hugging_face_classifier_uses_the_auto_model(monkeypatch):
    built = {}

    class Output:
        def __init__(self, logits):
            self.logits = logits

    class HFNet(TinyNet):
        def forward(self, x):
            return Output(super().forward(x))

        def gradient_checkpointing_enable(self):
            self.checkpointing = True

    class AutoConfig:
        @staticmethod
        def from_pretrained(name, **kwargs):
            built['config'] = (name, kwargs)
            return kwargs

    class AutoModelForImageClassification:
        @staticmethod
        def from_config(config):
            return HFNet(num_classes=config['num_labels'])

        @staticmethod
        def from_pretrained(name, **kwargs):
            built['pretrained'] = name
            return HFNet(num_classes=kwargs['num_labels'])

    module = types.ModuleType('transformers')
    module.AutoConfig = AutoConfig
    module.AutoModelForImageClassification = AutoModelForImageClassification
    monkeypatch.setitem(sys.modules, 'transformers', module)
    model = MODELS.build(dict(type='HuggingFaceClassifier', model_name='org/tiny', num_labels=5,
                              with_cp=True))
    assert built['config'] == ('org/tiny', {'num_labels': 5}) and model.model.checkpointing
    assert model(torch.randn(2, 3, 8, 8)).shape == (2, 5)
    MODELS.build(dict(type='HuggingFaceClassifier', model_name='org/tiny', pretrained=True,
                      num_labels=5))
    assert built['pretrained'] == 'org/tiny'


@pytest.mark.parametrize('cfg, package', [
    (dict(type='TIMMBackbone', model_name='resnet18'), 'timm'),
    (dict(type='TimmClassifier', model_name='resnet18'), 'timm'),
    (dict(type='HuggingFaceClassifier', model_name='org/tiny'), 'transformers'),
])
def test_missing_package_says_how_to_install(monkeypatch, cfg, package):
    monkeypatch.setitem(sys.modules, package, None)  # makes the import fail
    with pytest.raises(ImportError, match=f'{cfg["type"]} needs the optional package '
                                          f'{package!r}: pip install {package}'):
        MODELS.build(cfg)
