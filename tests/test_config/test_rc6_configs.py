"""Every config file name of MMClassification 1.0.0rc6 exists in our ``configs/`` and works.

``tests/data/rc6/config_names.txt`` lists the 360 config files of that release (``_base_``
excluded).  For each of ours of that name: it parses, its model builds, every transform of its train/val/test pipelines builds, and
every hook, parameter scheduler, optimizer, optimizer wrapper (and constructor), sampler and
metric type it names resolves in our registries.  Users' rc6-era configs that inherit these
files therefore keep working.
"""
import os.path as osp
from typing import Any, Iterator, List

import pytest
import torch

from mmcls.config import Config
from mmcls.registry import (DATA_SAMPLERS, DATASETS, HOOKS, METRICS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS,
                            OPTIM_WRAPPERS, OPTIMIZERS, PARAM_SCHEDULERS, TRANSFORMS)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES_FILE = osp.join(REPO, 'tests', 'data', 'rc6', 'config_names.txt')
with open(NAMES_FILE, encoding='utf-8') as _file:
    RC6_CONFIGS = [line.strip() for line in _file if line.strip()]


def test_the_name_list_is_complete():
    assert len(RC6_CONFIGS) == len(set(RC6_CONFIGS)) == 360


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _pipelines(cfg: Config) -> Iterator[tuple]:
    """(where, transform config) of every transform of the dataloaders' datasets."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader') or {}
        dataset = loader.get('dataset') or {}
        while 'dataset' in dataset:  # dataset wrappers (RepeatDataset, ClassBalancedDataset, ...)
            dataset = dataset['dataset']
        for transform in dataset.get('pipeline') or []:
            yield f'{split}_dataloader.dataset.pipeline', transform


def _build_transform(transform: dict) -> None:
    TRANSFORMS.build(transform)


def _check_types(cfg: Config, path: str) -> None:
    """Every registered type the config names (outside the model and pipelines) resolves."""
    for hook in _as_list(cfg.get('custom_hooks')) + list((cfg.get('default_hooks') or {}).values()):
        if hook:
            assert hook['type'] in HOOKS, f'{path}: hook {hook["type"]}'
    for scheduler in _as_list(cfg.get('param_scheduler')):
        assert scheduler['type'] in PARAM_SCHEDULERS, f'{path}: scheduler {scheduler["type"]}'
    wrapper = cfg.get('optim_wrapper') or {}
    assert wrapper.get('type', 'OptimWrapper') in OPTIM_WRAPPERS, f'{path}: {wrapper.get("type")}'
    if 'optimizer' in wrapper:
        assert wrapper['optimizer']['type'] in OPTIMIZERS, f'{path}: {wrapper["optimizer"]}'
    if 'constructor' in wrapper:
        assert wrapper['constructor'] in OPTIM_WRAPPER_CONSTRUCTORS, f'{path}: constructor'
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader') or {}
        sampler = loader.get('sampler')
        if sampler:
            assert sampler['type'] in DATA_SAMPLERS, f'{path}: sampler {sampler["type"]}'
        if loader.get('dataset'):
            assert loader['dataset']['type'] in DATASETS, f'{path}: {loader["dataset"]["type"]}'
        for metric in _as_list(cfg.get(f'{split}_evaluator')):
            if metric and split != 'train':
                assert metric['type'] in METRICS, f'{path}: metric {metric["type"]}'


@pytest.mark.parametrize('name', RC6_CONFIGS)
def test_rc6_config_builds(name):
    path = osp.join(REPO, 'configs', name)
    assert osp.isfile(path), f'configs/{name} is missing'
    cfg = Config.fromfile(path)
    if name.endswith('_randaug_policies.py'):  # a fragment holding a policy list, no model
        # the configs that inherit it hand the list to RandAugment, which reads magnitude_key
        _build_transform(dict(type='RandAugment', policies=cfg.policies, num_policies=2,
                              magnitude_level=12))
        return
    model_cfg = dict(cfg.model)
    if 'data_preprocessor' in cfg and 'data_preprocessor' not in model_cfg:
        model_cfg['data_preprocessor'] = cfg.data_preprocessor
    model = MODELS.build(model_cfg)
    assert isinstance(model, torch.nn.Module)
    for where, transform in _pipelines(cfg):
        try:
            _build_transform(transform)
        except Exception as error:  # name the config and the pipeline in the failure
            raise AssertionError(f'{name}: {where}: {transform.get("type")}: {error}') from error
    _check_types(cfg, name)
