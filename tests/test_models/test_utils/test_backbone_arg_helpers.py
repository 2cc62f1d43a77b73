"""The small helpers backbones share for their arguments and named norm layers."""
import pytest
import torch.nn as nn

from mmcls.models.utils.arch_lookup import lookup_arch
from mmcls.models.utils.frozen_stages import check_frozen_stages, stem_stages_transitions
from mmcls.models.utils.named_norm import add_named_norm, norm_property


def test_lookup_arch_is_case_sensitive_and_names_the_choices():
    settings = {'s0': 1, 's1': 2}
    assert lookup_arch('s1', settings, 'Net') == 2
    with pytest.raises(KeyError, match=r"Net: unknown arch 'S1', choose from \['s0', 's1'\]"):
        lookup_arch('S1', settings, 'Net')


def test_check_frozen_stages_bounds_are_inclusive():
    for value in (-1, 0, 4):
        check_frozen_stages(value, -1, 4, 'Net')
    for value in (-2, 5):
        with pytest.raises(ValueError, match=r'Net: frozen_stages must be in \[-1, 4\]'):
            check_frozen_stages(value, -1, 4, 'Net')


def test_stem_stages_transitions_freezes_each_stage_with_its_transition():
    stem, stages, transitions = nn.Identity(), [nn.ReLU(), nn.ReLU()], [nn.Tanh()]
    assert stem_stages_transitions(stem, stages, transitions, -1) == []
    assert stem_stages_transitions(stem, stages, transitions, 0) == [stem]
    assert stem_stages_transitions(stem, stages, transitions, 1) == [stem, stages[0],
                                                                     transitions[0]]
    assert stem_stages_transitions(stem, stages, transitions, 2) == [stem, *stages,
                                                                     transitions[0]]


def test_named_norm_registers_under_the_config_name_and_reads_back():

    class Block(nn.Module):
        norm1 = norm_property(1)

        def __init__(self):
            super().__init__()
            self.norm1_name = add_named_norm(self, dict(type='BN'), 8, 1)

    block = Block()
    assert block.norm1_name == 'bn1'
    assert isinstance(block.bn1, nn.BatchNorm2d) and block.norm1 is block.bn1
    assert list(block.state_dict()) == ['bn1.weight', 'bn1.bias', 'bn1.running_mean',
                                        'bn1.running_var', 'bn1.num_batches_tracked']
