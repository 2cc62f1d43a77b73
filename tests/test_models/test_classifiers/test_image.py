import contextlib

import pytest
import torch
import torch.nn as nn

from mmcls.models import ImageClassifier
from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample

torch.manual_seed(0)


@MODELS.register_module(name='_StackPreprocessor', force=True)
class StackPreprocessor(nn.Module):
    """Stacks uint8 images to float; records its config (the contract of ClsDataPreprocessor)."""

    def __init__(self, batch_augments=None, **kwargs):
        super().__init__()
        self.batch_augments = batch_augments
        self.kwargs = kwargs

    def forward(self, data, training=False):
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        return dict(inputs=inputs.float() / 255., data_samples=data.get('data_samples'))


def build(**kwargs):
    cfg = dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18, num_stages=2, out_indices=(0, 1)),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=128, topk=(1, )),
        data_preprocessor=dict(type='_StackPreprocessor'))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch(n=4):
    inputs = [torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8) for _ in range(n)]
    samples = [ClsDataSample().set_gt_label(i % 3) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


class SGDWrapper:
    """The part of OptimWrapper that BaseModel.train_step uses."""

    def __init__(self, model):
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def optim_context(self, model):
        return contextlib.nullcontext()

    def update_params(self, loss):
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()


def test_forward_modes():
    model = build().eval()
    x = torch.rand(2, 3, 32, 32)
    assert model(x).shape == (2, 3)
    losses = model(x, [ClsDataSample().set_gt_label(0), ClsDataSample().set_gt_label(2)],
                   mode='loss')
    assert set(losses) == {'loss'} and losses['loss'] > 0
    preds = model(x, mode='predict')
    assert len(preds) == 2 and preds[0].pred_label.score.shape == (3, )
    with pytest.raises(ValueError, match='invalid mode'):
        model(x, mode='train')


def test_extract_feat_stages():
    model = build().eval()
    x = torch.rand(2, 3, 32, 32)
    backbone = model.extract_feat(x, stage='backbone')
    assert [f.shape for f in backbone] == [(2, 64, 8, 8), (2, 128, 4, 4)]
    neck = model.extract_feat(x)
    assert [f.shape for f in neck] == [(2, 64), (2, 128)]
    assert torch.equal(model.extract_feat(x, stage='pre_logits'), neck[-1])
    assert len(model.extract_feats([x, x])) == 2
    with pytest.raises(ValueError, match='stage'):
        model.extract_feat(x, stage='head')


def test_headless_classifier_returns_features():
    model = build(head=None).eval()
    feats = model(torch.rand(1, 3, 32, 32))
    assert isinstance(feats, tuple) and feats[-1].shape == (1, 128)
    assert not model.with_head and model.with_neck
    with pytest.raises(ValueError, match='needs a head'):
        model.loss(torch.rand(1, 3, 32, 32), [ClsDataSample().set_gt_label(0)])


def test_neck_list_builds_sequential():
    model = build(neck=[dict(type='GlobalAveragePooling'),
                        dict(type='LinearReduction', in_channels=128, out_channels=3,
                             norm_cfg=None, act_cfg=None)],
                  head=dict(type='ClsHead')).eval()
    assert isinstance(model.neck, nn.Sequential)
    assert 'neck.1.reduction.weight' in model.state_dict()
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 3)


def test_train_cfg_augments_reach_the_preprocessor():
    train_cfg = dict(augments=[dict(type='Mixup', alpha=0.2)])
    model = build(train_cfg=train_cfg)
    assert model.data_preprocessor.batch_augments == train_cfg
    assert build().data_preprocessor.batch_augments is None


def test_train_step_updates_and_val_step_predicts():
    model = build()
    wrapper = SGDWrapper(model)
    before = model.head.fc.weight.detach().clone()
    log_vars = model.train_step(batch(), wrapper)
    assert list(log_vars) == ['loss'] and log_vars['loss'].ndim == 0
    assert not torch.equal(before, model.head.fc.weight)
    model.eval()
    preds = model.val_step(batch(2))
    assert len(preds) == 2 and preds[0].gt_label.label.item() == 0
    assert preds[1].pred_label.label.shape == (1, )
    assert len(model.test_step(batch(3))) == 3


def test_training_learns_a_separable_problem():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=2),
        head=dict(type='ClsHead'), data_preprocessor=dict(type='_StackPreprocessor')))
    wrapper = SGDWrapper(model)
    bright = [torch.full((1, 32, 32), 200, dtype=torch.uint8) for _ in range(4)]
    dark = [torch.full((1, 32, 32), 20, dtype=torch.uint8) for _ in range(4)]
    data = dict(inputs=bright + dark,
                data_samples=[ClsDataSample().set_gt_label(i // 4) for i in range(8)])
    first = model.train_step(data, wrapper)['loss'].item()
    for _ in range(30):
        last = model.train_step(data, wrapper)['loss'].item()
    assert last < first / 2
    model.eval()
    assert [p.pred_label.label.item() for p in model.val_step(data)] == [0] * 4 + [1] * 4


def test_pretrained_init_cfg_with_prefix(tmp_path):
    """init_cfg=Pretrained(checkpoint, prefix='backbone') loads only the backbone."""
    source = build()
    ckpt = tmp_path / 'source.pth'
    torch.save({'state_dict': source.state_dict(), 'meta': {}}, ckpt)
    target = build(backbone=dict(type='ResNet', depth=18, num_stages=2, out_indices=(0, 1),
                                 frozen_stages=1,
                                 init_cfg=dict(type='Pretrained', checkpoint=str(ckpt),
                                               prefix='backbone')),
                   head=dict(type='LinearClsHead', num_classes=5, in_channels=128))
    target.init_weights()
    for key, value in source.backbone.state_dict().items():
        assert torch.equal(target.backbone.state_dict()[key], value), key
    assert target.head.fc.weight.shape == (5, 128)
    # zero_init_residual is skipped for pretrained backbones
    assert torch.count_nonzero(target.backbone.layer1[0].bn2.weight) > 0
    assert not any(p.requires_grad for p in target.backbone.layer1.parameters())


def test_pretrained_argument_is_init_cfg(tmp_path):
    source = build()
    ckpt = tmp_path / 'whole.pth'
    torch.save(source.state_dict(), ckpt)
    target = build(pretrained=str(ckpt))
    assert target.init_cfg == dict(type='Pretrained', checkpoint=str(ckpt))
    target.init_weights()
    assert torch.equal(target.head.fc.weight, source.head.fc.weight)


def test_direct_construction_with_modules():
    model = ImageClassifier(backbone=nn.Sequential(), head=None,
                            data_preprocessor=StackPreprocessor())
    assert isinstance(model.data_preprocessor, StackPreprocessor)
