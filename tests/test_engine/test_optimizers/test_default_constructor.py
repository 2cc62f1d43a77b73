"""DefaultOptimWrapperConstructor: each paramwise option, read back from the param groups."""
import pytest
import torch
from torch import nn

from mmcls.engine.optimizers import DefaultOptimWrapperConstructor, OptimWrapper
from mmcls.registry import OPTIM_WRAPPER_CONSTRUCTORS

BASE_LR, BASE_WD = 0.01, 1e-4


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer0 = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.dwconv = nn.Conv2d(4, 4, 3, groups=4, bias=False)
        self.ln = nn.LayerNorm(4)
        self.cls_token = nn.Parameter(torch.zeros(4))


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(4, 2)


def build(paramwise_cfg=None, model=None, **optimizer):
    optimizer = dict(type='SGD', lr=BASE_LR, weight_decay=BASE_WD, momentum=0.9, **optimizer)
    constructor = DefaultOptimWrapperConstructor(dict(optimizer=optimizer), paramwise_cfg)
    model = model or Toy()
    return model, constructor(model)


def groups_by_name(model, wrapper):
    """{parameter name: its param group} (every group holds one parameter)."""
    by_id = {id(g['params'][0]): g for g in wrapper.param_groups}
    return {name: by_id[id(p)] for name, p in model.named_parameters() if id(p) in by_id}


def lr_wd(model, wrapper):
    return {n: (g['lr'], g['weight_decay']) for n, g in groups_by_name(model, wrapper).items()}


def test_without_paramwise_cfg_one_group():
    model, wrapper = build()
    assert isinstance(wrapper, OptimWrapper)
    assert len(wrapper.param_groups) == 1
    assert len(wrapper.param_groups[0]['params']) == len(list(model.parameters()))
    assert wrapper.param_groups[0]['lr'] == BASE_LR


def test_custom_keys_longest_match_seed_example():
  
    cfg = dict(custom_keys={'backbone.layer0': dict(lr_mult=0, decay_mult=0),
                            'backbone': dict(lr_mult=1),
                            'head': dict(lr_mult=0.1)})
    model, wrapper = build(cfg)
    got = lr_wd(model, wrapper)
    assert got['backbone.layer0.weight'] == (0, 0)
    assert got['backbone.layer0.bias'] == (0, 0)
    for name in ('backbone.bn.weight', 'backbone.dwconv.weight', 'backbone.cls_token'):
        assert got[name] == (BASE_LR, BASE_WD)
    assert got['head.weight'] == pytest.approx((BASE_LR * 0.1, BASE_WD))
    assert got['head.bias'] == pytest.approx((BASE_LR * 0.1, BASE_WD))


def test_custom_keys_other_settings_are_copied_and_override_rules():
    cfg = dict(norm_decay_mult=0., custom_keys={'bn': dict(decay_mult=0.5, momentum=0.5)})
    model, wrapper = build(cfg)
    groups = groups_by_name(model, wrapper)
    assert groups['backbone.bn.weight']['weight_decay'] == pytest.approx(BASE_WD * 0.5)
    assert groups['backbone.bn.weight']['momentum'] == 0.5
    assert 'decay_mult' not in groups['backbone.bn.weight']
    assert groups['backbone.ln.weight']['weight_decay'] == 0.  # norm rule still applies


def test_norm_decay_mult():
    model, wrapper = build(dict(norm_decay_mult=0.))
    got = lr_wd(model, wrapper)
    for name in ('backbone.bn.weight', 'backbone.bn.bias', 'backbone.ln.weight',
                 'backbone.ln.bias'):
        assert got[name] == (BASE_LR, 0.)
    assert got['backbone.layer0.bias'] == (BASE_LR, BASE_WD)


def test_bias_lr_and_decay_mult_skip_norm_bias():
    model, wrapper = build(dict(bias_lr_mult=2., bias_decay_mult=0.))
    got = lr_wd(model, wrapper)
    assert got['backbone.layer0.bias'] == (BASE_LR * 2, 0.)
    assert got['head.bias'] == (BASE_LR * 2, 0.)
    assert got['backbone.bn.bias'] == (BASE_LR, BASE_WD)
    assert got['head.weight'] == (BASE_LR, BASE_WD)


def test_dwconv_decay_mult():
    model, wrapper = build(dict(dwconv_decay_mult=0.1))
    got = lr_wd(model, wrapper)
    assert got['backbone.dwconv.weight'] == pytest.approx((BASE_LR, BASE_WD * 0.1))
    assert got['backbone.layer0.weight'] == (BASE_LR, BASE_WD)


def test_flat_decay_mult_hits_one_dim_params_only():
    model, wrapper = build(dict(flat_decay_mult=0.))
    got = lr_wd(model, wrapper)
    for name in ('backbone.cls_token', 'backbone.layer0.bias', 'backbone.bn.weight',
                 'head.bias'):
        assert got[name][1] == 0.
    assert got['head.weight'][1] == BASE_WD


def test_dcn_offset_lr_mult():
    model = Toy()
    model.backbone.conv_offset = nn.Conv2d(4, 18, 3)
    model, wrapper = build(dict(dcn_offset_lr_mult=0.1, bias_lr_mult=2.), model=model)
    got = lr_wd(model, wrapper)
    assert got['backbone.conv_offset.weight'][0] == pytest.approx(BASE_LR * 0.1)
    assert got['backbone.conv_offset.bias'][0] == pytest.approx(BASE_LR * 0.1)  # not a bias rule
    assert got['head.bias'][0] == pytest.approx(BASE_LR * 2)


def test_global_lr_mult_and_decay_mult():
    model, wrapper = build(dict(lr_mult=0.5, decay_mult=2., bias_decay_mult=0.,
                                custom_keys={'head.weight': dict(lr_mult=3.)}))
    got = lr_wd(model, wrapper)
    assert got['backbone.layer0.weight'] == pytest.approx((BASE_LR * 0.5, BASE_WD * 2))
    assert got['backbone.layer0.bias'] == pytest.approx((BASE_LR * 0.5, 0.))
    assert got['head.weight'] == pytest.approx((BASE_LR * 3, BASE_WD))  # custom key wins


def test_frozen_parameters_keep_defaults():
    model = Toy()
    model.head.weight.requires_grad_(False)
    model, wrapper = build(dict(lr_mult=0.5), model=model)
    group = groups_by_name(model, wrapper)['head.weight']
    assert group['lr'] == BASE_LR


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = nn.Linear(2, 2)
        self.b.weight = self.a.weight


def test_bypass_duplicate():
    with pytest.raises(ValueError, match='more than one'):
        build(dict(norm_decay_mult=0.), model=Shared())
    model = Shared()
    with pytest.warns(UserWarning, match='bypass_duplicate'):
        _, wrapper = build(dict(bypass_duplicate=True), model=model)
    assert len(wrapper.param_groups) == 3  # a.weight, a.bias, b.bias
    assert sum(p is model.a.weight for g in wrapper.param_groups for p in g['params']) == 1


def test_wrapper_type_and_options_pass_through():
    constructor = DefaultOptimWrapperConstructor(
        dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
             accumulative_counts=4, clip_grad=dict(max_norm=1.0)),
        dict(norm_decay_mult=0., bias_decay_mult=0.))
    wrapper = constructor(Toy())
    assert isinstance(wrapper.optimizer, torch.optim.AdamW)
    assert wrapper.accumulative_counts == 4 and wrapper.clip_grad_kwargs == {'max_norm': 1.0}


@pytest.mark.parametrize('optimizer, paramwise_cfg, error, match', [
    (dict(type='SGD', lr=0.1), dict(norm_decay_mult=0.), ValueError, 'weight_decay'),
    (dict(type='SGD', lr=0.1), dict(custom_keys={'a': dict(decay_mult=0.)}), ValueError,
     'weight_decay'),
    (dict(type='SGD', lr=0.1, weight_decay=1e-4), dict(norm_decay_mul=0.), KeyError,
     'norm_decay_mul'),
    (dict(type='SGD', lr=0.1), dict(custom_keys=[1]), TypeError, 'custom_keys'),
    (dict(type='SGD', lr=0.1), dict(custom_keys={'a': 0.1}), TypeError, r"custom_keys\['a'\]"),
    (dict(type='SGD', lr=0.1), [1], TypeError, 'paramwise_cfg'),
])
def test_invalid_paramwise_cfg(optimizer, paramwise_cfg, error, match):
    with pytest.raises(error, match=match):
        DefaultOptimWrapperConstructor(dict(optimizer=optimizer), paramwise_cfg)


def test_missing_optimizer_key():
    with pytest.raises(KeyError, match='optimizer'):
        DefaultOptimWrapperConstructor(dict(type='OptimWrapper'))


def test_registered():
    assert OPTIM_WRAPPER_CONSTRUCTORS.get('DefaultOptimWrapperConstructor') \
        is DefaultOptimWrapperConstructor
