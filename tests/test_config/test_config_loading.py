"""Config.fromfile on the documented config examples and the other formats."""
import os

import pytest

from mmcls.config import Config

RESNET50_KEYS = {
    'model', 'dataset_type', 'data_preprocessor', 'train_pipeline', 'test_pipeline',
    'train_dataloader', 'val_dataloader', 'val_evaluator', 'test_dataloader', 'test_evaluator',
    'optim_wrapper', 'param_scheduler', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'default_scope', 'default_hooks', 'env_cfg', 'vis_backends', 'visualizer', 'log_level',
    'load_from', 'resume'
}


@pytest.fixture
def resnet50(cfg_dir):
    return Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32_in1k.py')


def test_resnet50_merges_its_four_bases(resnet50):
    cfg = resnet50
    assert set(cfg.keys()) == RESNET50_KEYS
    assert cfg.model.backbone == dict(type='ResNet', depth=50, num_stages=4, out_indices=(3, ),
                                      frozen_stages=-1, style='pytorch')
    assert cfg.model.head.loss == dict(type='CrossEntropyLoss', loss_weight=1.0)
    assert cfg.train_dataloader.dataset.type == 'ImageNet'  # intermediate variable resolved
    assert cfg.train_dataloader.dataset.pipeline == cfg.train_pipeline
    assert cfg.test_dataloader == cfg.val_dataloader and cfg.test_evaluator == cfg.val_evaluator
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001)
    assert cfg.param_scheduler.milestones == [30, 60, 90]
    assert cfg.default_hooks.checkpoint == dict(type='CheckpointHook', interval=1)
    assert cfg.env_cfg.mp_cfg.mp_start_method == 'fork'
    assert cfg.visualizer.vis_backends == [dict(type='LocalVisBackend')]
    assert cfg.load_from is None and cfg.resume is False and cfg.auto_scale_lr.base_batch_size == 256


def test_cutmix_300e_child_merges_dicts_and_replaces_values(cfg_dir, resnet50):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32-300e_in1k.py')
    assert cfg.model.train_cfg.augments == dict(type='CutMix', alpha=1.0)
    assert cfg.model.backbone == resnet50.model.backbone  # the rest of the model is inherited
    assert cfg.train_cfg == dict(by_epoch=True, max_epochs=300, val_interval=10)
    # The base's MultiStepLR keys survive next to the new `step` (why _delete_ is needed).
    assert cfg.param_scheduler == dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90],
                                       gamma=0.1, step=[150, 200, 250])
    assert cfg.train_dataloader.dataset.data_root == 'mydata/imagenet/train'
    assert cfg.train_dataloader.dataset.ann_file == 'meta/train.txt'
    assert cfg.val_dataloader.batch_size == 64 and cfg.test_dataloader.batch_size == 64
    assert cfg.val_dataloader.dataset.pipeline == resnet50.test_pipeline
    assert cfg.train_dataloader.batch_size == 32


def test_delete_replaces_the_base_scheduler(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32-cos_in1k.py')
    assert cfg.param_scheduler == dict(type='CosineAnnealingLR', by_epoch=True)


def test_delete_below_top_level(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'examples' / 'nested_delete.py')
    assert cfg.model.head == dict(type='StackedLinearClsHead', num_classes=10, in_channels=2048,
                                  mid_channels=[512])
    assert cfg.model.backbone.depth == 101 and cfg.model.backbone.num_stages == 4
    assert '_delete_' not in cfg.pretty_text


def test_intermediate_variables_feed_the_dataloaders(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnet' / 'resnet50_8xb32-randaug_in1k.py')
    assert cfg.bgr_mean == [103.53, 116.28, 123.675]
    assert cfg.train_pipeline[3].hparams.pad_val == [104, 116, 124]
    assert cfg.train_dataloader.dataset.pipeline == cfg.train_pipeline
    assert cfg.val_dataloader.dataset.pipeline[1].scale == 236
    assert cfg.train_dataloader.dataset.data_root == 'data/imagenet'
    assert cfg.train_dataloader.batch_size == 32


def test_base_reference_to_policies(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'resnest' / 'resnest50_32xb64_in1k.py')
    policies = Config.fromfile(cfg_dir / '_randaug_policies.py').policies
    assert cfg.train_pipeline[1].policies == policies
    assert cfg.train_dataloader.dataset.pipeline[1].policies == policies
    assert cfg.policies == policies  # the base variable is a key too
    assert cfg.train_pipeline[5].eigval == [55.46, 4.794, 1.148]
    assert cfg.model.backbone.type == 'ResNeSt' and cfg.train_dataloader.batch_size == 64
    assert '__mmcls_base_ref' not in cfg.pretty_text


def test_base_reference_paths_with_indices_and_quotes(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'examples' / 'base_ref_index.py')
    assert cfg.first_step == dict(type='RandomResizedCrop', scale=224)
    assert cfg.steps == [dict(type='LoadImageFromFile'), dict(nested=(1, 5))]
    assert cfg.mean == [123.675, 116.28, 103.53]  # a quoted reference is a value, not a string
    cfg.first_step.scale = 1  # a copy: the base value is not shared
    assert cfg.train_pipeline[1].scale == 224


def test_python_access_to_base_variables(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'examples' / 'base_vars.py')
    assert cfg.train_pipeline[1].scale == 288
    assert cfg.train_dataloader.dataset.pipeline[1].scale == 288
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.model.backbone.depth == 101 and cfg.model.head.num_classes == 1000
    assert cfg.max_lr == pytest.approx(0.2)
    assert cfg.default_hooks.logger.interval == 10  # in-place edit of a base value
    for private in ('math', '_crop', '_double', 'helper', '_base_'):
        assert private not in cfg


def test_predefined_variables(cfg_dir):
    path = cfg_dir / 'examples' / 'predefined_vars.py'
    cfg = Config.fromfile(path)
    assert cfg.work_dir == './work_dirs/predefined_vars'
    assert cfg.config_folder == str(path.parent) and cfg.config_name == 'predefined_vars.py'
    assert cfg.config_suffix == '.py'
    raw = Config.fromfile(path, use_predefined_variables=False)
    assert raw.work_dir == './work_dirs/{{ fileBasenameNoExtension }}'


def test_json_and_yaml_configs_inherit_across_formats(cfg_dir):
    schedule = Config.fromfile(cfg_dir / 'formats' / 'schedule.json')
    assert schedule.train_cfg == dict(by_epoch=True, max_epochs=50, val_interval=1)
    assert schedule.param_scheduler == dict(type='CosineAnnealingLR', by_epoch=True)
    assert schedule.scale_lr_copy == dict(base_batch_size=256)
    runtime = Config.fromfile(cfg_dir / 'formats' / 'runtime.yaml')
    assert runtime.log_level == 'DEBUG' and runtime.default_hooks.logger.interval == 50
    assert runtime.default_hooks.logger.type == 'LoggerHook'
    assert runtime.timer_copy == dict(type='IterTimerHook')
    both = Config.fromfile(cfg_dir / 'formats' / 'from_yaml.py')
    assert both.resume is True and both.log_level == 'DEBUG' and both.train_cfg.max_epochs == 50
    plain = Config.fromfile(cfg_dir / 'formats' / 'plain.yml')
    assert plain.model.backbone.depth == 18


def test_absolute_base_path_and_base_below_a_base(tmp_path, cfg_dir):
    base = cfg_dir / '_base_' / 'models' / 'resnet50.py'
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{str(base)!r}]\nmodel = dict(backbone=dict(depth=18))\n')
    grandchild = tmp_path / 'sub' / 'grandchild.py'
    grandchild.parent.mkdir()
    grandchild.write_text("_base_ = '../child.py'\nmodel = dict(head=dict(num_classes=10))\n")
    cfg = Config.fromfile(os.fspath(grandchild))
    assert cfg.model.backbone.depth == 18 and cfg.model.head.num_classes == 10
    assert cfg.model.head.in_channels == 2048


def test_seed_cfg_option_on_a_0x_style_config(cfg_dir):
    cfg = Config.fromfile(cfg_dir / 'legacy' / 'data_pipeline_0x.py')
    cfg.merge_from_dict({'data.train.pipeline.1.flip_prob': 0.0})
    assert cfg.data.train.pipeline[1] == dict(type='TopDownRandomFlip', flip_prob=0.0)
