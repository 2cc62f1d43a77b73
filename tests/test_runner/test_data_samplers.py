"""DefaultSampler, InfiniteSampler (mmcls/datasets/samplers.py) and the collate functions."""
import itertools
from unittest import mock

import pytest
import torch

from mmcls.datasets.collate import default_collate, pseudo_collate
from mmcls.datasets.samplers import DefaultSampler, InfiniteSampler
from mmcls.registry import DATA_SAMPLERS, FUNCTIONS
from mmcls.structures import ClsDataSample


def _as_rank(rank, world):
    return mock.patch('mmcls.datasets.samplers.get_dist_info', return_value=(rank, world))


def test_registered():
    assert 'DefaultSampler' in DATA_SAMPLERS and 'InfiniteSampler' in DATA_SAMPLERS
    assert FUNCTIONS.get('pseudo_collate') is pseudo_collate
    assert FUNCTIONS.get('default_collate') is default_collate


def test_default_sampler_shards_are_disjoint_and_padded():
    data = list(range(10))
    shards = []
    for rank in range(3):
        with _as_rank(rank, 3):
            sampler = DefaultSampler(data, shuffle=True, seed=7)
        shards.append(list(sampler))
        assert len(sampler) == 4
    flat = [i for shard in shards for i in shard]
    assert len(flat) == 12 and set(flat) == set(data)  # 2 padded repeats
    with _as_rank(2, 3):
        no_pad = DefaultSampler(data, shuffle=False, round_up=False)
    assert list(no_pad) == [2, 5, 8] and len(no_pad) == 3


def test_default_sampler_epochs_and_seed():
    sampler = DefaultSampler(list(range(20)), shuffle=True, seed=3)
    first = list(sampler)
    assert first == list(sampler)
    sampler.set_epoch(1)
    assert sorted(list(sampler)) == list(range(20)) and list(sampler) != first
    assert list(DefaultSampler(list(range(20)), shuffle=False)) == list(range(20))


def test_infinite_sampler_cycles_and_shards():
    with _as_rank(1, 2):
        sampler = InfiniteSampler(list(range(5)), shuffle=False, seed=0)
    assert list(itertools.islice(iter(sampler), 6)) == [1, 3, 0, 2, 4, 1]
    shuffled = InfiniteSampler(list(range(5)), shuffle=True, seed=1)
    first_pass = list(itertools.islice(iter(shuffled), 5))
    assert sorted(first_pass) == list(range(5))
    assert first_pass == list(itertools.islice(iter(shuffled), 5))


def test_pseudo_collate_keeps_samples_as_lists():
    samples = [dict(inputs=torch.zeros(3, 2, 2), data_samples=ClsDataSample().set_gt_label(i))
               for i in range(3)]
    batch = pseudo_collate(samples)
    assert isinstance(batch['inputs'], list) and len(batch['inputs']) == 3
    assert [int(s.gt_label.label) for s in batch['data_samples']] == [0, 1, 2]
    assert pseudo_collate([(1, 'a'), (2, 'b')]) == [[1, 2], ['a', 'b']]
    with pytest.raises(RuntimeError, match='equal size'):
        pseudo_collate([[1, 2], [1]])


def test_default_collate_stacks():
    samples = [dict(inputs=torch.full((2, 2), float(i)), label=i, name=f'n{i}',
                    data_samples=ClsDataSample()) for i in range(3)]
    batch = default_collate(samples)
    assert batch['inputs'].shape == (3, 2, 2)
    assert torch.equal(batch['label'], torch.tensor([0, 1, 2]))
    assert batch['name'] == ['n0', 'n1', 'n2']
    assert isinstance(batch['data_samples'], list)
    with pytest.raises(TypeError, match='default_collate'):
        default_collate([object(), object()])
