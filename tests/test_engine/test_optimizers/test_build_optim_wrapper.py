"""build_optim_wrapper: the documented config forms; custom optimizers and constructors
registered through custom_imports."""
import textwrap

import pytest
import torch
from torch import nn

from mmcls.engine.optimizers import (AmpOptimWrapper, OptimWrapper, OptimWrapperDict,
                                     build_optim_wrapper)


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
        self.head = nn.Linear(4, 2)


def test_seed_sgd_and_adam_configs():
    # type defaults to OptimWrapper
    wrapper = build_optim_wrapper(Toy(), dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=0.0003, weight_decay=0.0001)))
    assert isinstance(wrapper.optimizer, torch.optim.SGD)
    wrapper = build_optim_wrapper(Toy(), dict(optimizer=dict(
        type='Adam', lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False)))
    assert type(wrapper) is OptimWrapper and isinstance(wrapper.optimizer, torch.optim.Adam)
    assert wrapper.get_lr() == {'lr': [0.001]}


def test_seed_migration_config_l7360():
    cfg = dict(optimizer=dict(type='AdamW', lr=0.0015, weight_decay=0.3),
               paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
               clip_grad=dict(max_norm=1.0))
    model = Toy()
    wrapper = build_optim_wrapper(model, cfg)
    decays = {id(g['params'][0]): g['weight_decay'] for g in wrapper.param_groups}
    assert decays[id(model.backbone[1].weight)] == 0.0
    assert decays[id(model.head.bias)] == 0.0
    assert decays[id(model.head.weight)] == 0.3
    assert wrapper.clip_grad_kwargs == {'max_norm': 1.0}
    assert cfg['paramwise_cfg'] == dict(norm_decay_mult=0.0, bias_decay_mult=0.0)  # not mutated


def test_amp_and_accumulation_configs():
    wrapper = build_optim_wrapper(Toy(), dict(
        type='AmpOptimWrapper', optimizer=dict(type='SGD', lr=0.01), accumulative_counts=4))
    assert isinstance(wrapper, AmpOptimWrapper) and wrapper.accumulative_counts == 4


def test_prebuilt_optimizer_and_wrapper():
    model = Toy()
    sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    wrapper = build_optim_wrapper(model, dict(optimizer=sgd, clip_grad=dict(max_norm=2.0)))
    assert wrapper.optimizer is sgd
    assert build_optim_wrapper(model, wrapper) is wrapper


def test_several_optimizers_give_a_wrapper_dict():
    model = Toy()
    wrappers = build_optim_wrapper(model, dict(
        backbone=dict(optimizer=dict(type='SGD', lr=0.1)),
        head=dict(optimizer=dict(type='Adam', lr=0.01))))
    assert isinstance(wrappers, OptimWrapperDict)
    assert wrappers.get_lr() == {'backbone.lr': [0.1], 'head.lr': [0.01]}
    with pytest.raises(KeyError, match='no sub-module'):
        build_optim_wrapper(model, dict(neck=dict(optimizer=dict(type='SGD', lr=0.1))))
    with pytest.raises(KeyError, match='optimizer'):
        build_optim_wrapper(model, dict(type='OptimWrapper'))


def test_unknown_types_name_the_registry():
    with pytest.raises(KeyError, match='optimizer registry'):
        build_optim_wrapper(Toy(), dict(optimizer=dict(type='SDG', lr=0.1)))
    with pytest.raises(KeyError, match='constructor registry'):
        build_optim_wrapper(Toy(), dict(optimizer=dict(type='SGD', lr=0.1), constructor='Nope'))


CUSTOM_MODULE = '''
import torch
from torch.optim import Optimizer
from mmcls.engine.optimizers import DefaultOptimWrapperConstructor
from mmcls.registry import OPTIMIZERS, OPTIM_WRAPPER_CONSTRUCTORS

@OPTIMIZERS.register_module()
class MyOptimizer(Optimizer):
    def __init__(self, params, a, b, c):
        super().__init__(params, dict(a=a, b=b, c=c))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    p.sub_(group['a'] * p.grad)

@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MyOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    def __call__(self, model):
        wrapper = super().__call__(model)
        wrapper.built_by = 'MyOptimWrapperConstructor'
        return wrapper
'''


def test_custom_optimizer_and_constructor_via_custom_imports(tmp_path, monkeypatch):
    # a user module registers an optimizer and a constructor
    from mmcls.config import Config
    (tmp_path / 'my_optim_ext.py').write_text(CUSTOM_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(textwrap.dedent('''
        custom_imports = dict(imports=['my_optim_ext'], allow_failed_imports=False)
        optim_wrapper = dict(
            constructor=dict(type='MyOptimWrapperConstructor'),
            optimizer=dict(type='MyOptimizer', a=0.5, b=1, c=2),
            paramwise_cfg=dict(custom_keys={'head': dict(a=0.05)}))
    '''))
    cfg = Config.fromfile(str(cfg_file))
    model = Toy()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert wrapper.built_by == 'MyOptimWrapperConstructor'
    assert type(wrapper.optimizer).__name__ == 'MyOptimizer'
    steps = {id(g['params'][0]): g['a'] for g in wrapper.param_groups}
    assert steps[id(model.head.weight)] == 0.05  # extra custom-key settings reach the group
    assert steps[id(model.backbone[0].weight)] == 0.5
