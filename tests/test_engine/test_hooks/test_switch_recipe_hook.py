"""SwitchRecipeHook: a real image run where the pipeline, batch augments and loss switch."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from PIL import Image

from mmcls.engine.hooks import Hook, SwitchRecipeHook
from mmcls.runner import Runner


class TinyBackbone(nn.Module):
    """A 3x3 conv and global pooling: any input size gives a (N, 4) feature."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        return (self.conv(x).mean((2, 3)),)


class RecordShapes(Hook):
    """Record, per epoch, the input size and batch-augment state seen by the model."""
    priority = 'LOW'

    def __init__(self):
        self.sizes = {}
        self.augments = {}
        self.losses = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        epoch = runner.epoch + 1
        self.sizes.setdefault(epoch, set()).add(tuple(data_batch['inputs'][0].shape[-2:]))
        model = runner.model
        self.augments[epoch] = model.data_preprocessor.batch_augments
        self.losses[epoch] = type(model.head.loss_module).__name__


def _pipeline(size):
    return [dict(type='LoadImageFromFile'), dict(type='Resize', scale=size),
            dict(type='PackClsInputs')]


def _image_folder(root):
    rng = np.random.RandomState(0)
    for cls in ('a', 'b'):
        (root / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(rng.randint(0, 255, (10, 10, 3), dtype=np.uint8)).save(
                root / cls / f'{i}.png')


def _runner(tmp_path, schedule, record, max_epochs=3, resume=False):
    torch.manual_seed(0)
    model = dict(
        type='ImageClassifier', backbone=dict(type=TinyBackbone),
        head=dict(type='LinearClsHead', num_classes=2, in_channels=4,
                  loss=dict(type='CrossEntropyLoss')),
        data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255],
                               num_classes=2))
    loader = dict(dataset=dict(type='CustomDataset', data_prefix=str(tmp_path / 'imgs'),
                               pipeline=_pipeline(8)),
                  batch_size=2, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False))
    return Runner(model=model, work_dir=str(tmp_path / 'work'), train_dataloader=loader,
                  train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
                  optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
                  default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
                  custom_hooks=[SwitchRecipeHook(schedule), record], resume=resume)


SCHEDULE = [
    dict(action_epoch=2, train_pipeline=_pipeline(12),
         batch_augments=dict(augments=dict(type='Mixup', alpha=0.8)),
         loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1)),
    dict(action_epoch=3, pipeline=_pipeline(6), batch_augments=None),
]


def test_switches_at_the_scheduled_epochs(tmp_path):
    _image_folder(tmp_path / 'imgs')
    record = RecordShapes()
    runner = _runner(tmp_path, SCHEDULE, record)
    runner.train()
    assert record.sizes == {1: {(8, 8)}, 2: {(12, 12)}, 3: {(6, 6)}}
    assert record.augments[1] is None and record.augments[3] is None
    assert type(record.augments[2]).__name__ == 'RandomBatchAugment'
    assert record.losses == {1: 'CrossEntropyLoss', 2: 'LabelSmoothLoss', 3: 'LabelSmoothLoss'}


def test_resume_reapplies_the_earlier_recipes(tmp_path):
    _image_folder(tmp_path / 'imgs')
    _runner(tmp_path, SCHEDULE, RecordShapes(), max_epochs=2).train()
    record = RecordShapes()
    runner = _runner(tmp_path, SCHEDULE[:1] + [dict(action_epoch=4, pipeline=_pipeline(6))],
                     record, max_epochs=3, resume=True)
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, SwitchRecipeHook))
    assert hook.switched == [2]
    assert record.sizes == {3: {(12, 12)}}
    assert record.losses == {3: 'LabelSmoothLoss'}


def test_bad_schedules_are_rejected():
    with pytest.raises(KeyError, match='action_epoch'):
        SwitchRecipeHook([dict(loss=dict(type='CrossEntropyLoss'))])
    with pytest.raises(ValueError, match='appears twice'):
        SwitchRecipeHook([dict(action_epoch=2), dict(action_epoch=2)])
    with pytest.raises(KeyError, match='unknown keys'):
        SwitchRecipeHook([dict(action_epoch=2, optimizer=dict())])
    with pytest.raises(ValueError, match='non-empty'):
        SwitchRecipeHook([])


def test_rc6_static_switch_methods():
    """``_switch_train_pipeline``/``_switch_loss``/``_switch_batch_augments`` take a runner and
    the new part, and descend into dataset wrappers and the head."""
    from types import SimpleNamespace

    inner = [SimpleNamespace(pipeline=None), SimpleNamespace(pipeline=None)]
    loader = SimpleNamespace(dataset=SimpleNamespace(datasets=inner), _iterator=object())
    model = nn.Module()
    model.head = nn.Module()
    model.head.loss_module = nn.Identity()
    model.data_preprocessor = SimpleNamespace(batch_augments=None, to_onehot=False)
    runner = SimpleNamespace(train_dataloader=loader, model=model)
    pipeline, loss, augments = object(), nn.Identity(), object()
    SwitchRecipeHook._switch_train_pipeline(runner, pipeline)
    assert inner[0].pipeline is pipeline and inner[1].pipeline is pipeline
    assert loader._iterator is None
    SwitchRecipeHook._switch_loss(runner, loss)
    assert model.head.loss_module is loss
    SwitchRecipeHook._switch_batch_augments(runner, augments)
    assert model.data_preprocessor.batch_augments is augments
    assert model.data_preprocessor.to_onehot is True
    with pytest.raises(AttributeError, match='loss_module'):
        SwitchRecipeHook._switch_loss(SimpleNamespace(model=nn.Linear(1, 1)), loss)
