"""DefaultSampler, InfiniteSampler (mmcls/datasets/samplers/) and the collate functions."""
import contextlib
import itertools
from unittest import mock

import pytest
import torch

from mmcls.datasets.collate import default_collate, pseudo_collate
from mmcls.datasets.samplers import DefaultSampler, InfiniteSampler
from mmcls.registry import DATA_SAMPLERS, FUNCTIONS
from mmcls.structures import ClsDataSample


@contextlib.contextmanager
def _as_rank(rank, world):
    with mock.patch('mmcls.datasets.samplers.sampler.get_dist_info', return_value=(rank, world)), \
            mock.patch('mmcls.datasets.samplers.repeat_aug.get_dist_info',
                       return_value=(rank, world)):
        yield


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


class _ImageSamples(torch.utils.data.Dataset):
    """Samples like PackClsInputs gives: uint8 CHW images of two sizes, and a data sample."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        from mmcls.structures import ClsDataSample
        size = 6 if index % 2 else 4
        image = torch.full((3, size, size), index, dtype=torch.uint8)
        return dict(inputs=image, data_samples=ClsDataSample().set_gt_label(index))


def test_worker_batches_share_one_buffer():
    """In a worker, a batch's images land in one shared-memory segment (views of one storage),
    with the same values as collating in the main process; outside workers nothing changes."""
    dataset = _ImageSamples()
    loader = torch.utils.data.DataLoader(dataset, batch_size=4, num_workers=1,
                                         collate_fn=pseudo_collate)
    for start, batch in zip(range(0, 8, 4), loader):
        expected = pseudo_collate([dataset[i] for i in range(start, start + 4)])
        assert all(torch.equal(a, b) for a, b in zip(batch['inputs'], expected['inputs']))
        assert [s.gt_label.label.item() for s in batch['data_samples']] == \
            list(range(start, start + 4))
        storages = {t.untyped_storage().data_ptr() for t in batch['inputs']}
        assert len(storages) == 1
        assert len({t.untyped_storage().data_ptr() for t in expected['inputs']}) == 4
    same_size = torch.utils.data.Subset(dataset, [0, 2, 4, 6])
    stacked = next(iter(torch.utils.data.DataLoader(same_size, batch_size=4, num_workers=1,
                                                    collate_fn=default_collate)))
    assert stacked['inputs'].shape == (4, 3, 4, 4)
    assert stacked['inputs'][:, 0, 0, 0].tolist() == [0, 2, 4, 6]
    assert stacked['inputs'].is_shared()


def test_repeat_aug_sampler_deals_copies_to_different_ranks():
    from mmcls.datasets.samplers import RepeatAugSampler
    assert 'RepeatAugSampler' in DATA_SAMPLERS
    data = list(range(10))
    shards = []
    for rank in range(3):
        with _as_rank(rank, 3):
            sampler = RepeatAugSampler(data, shuffle=False, num_repeats=3, seed=0)
        shards.append(list(sampler))
        assert len(sampler) == 4  # ceil(10 / 3): an epoch keeps the plain epoch length
    # with 3 ranks and 3 repeats, each rank sees every one of its first samples once
    assert shards == [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]
    with _as_rank(1, 2):
        assert list(RepeatAugSampler(data, shuffle=False, seed=0)) == [0, 1, 1, 2, 3]


def test_repeat_aug_sampler_shuffles_per_epoch():
    from mmcls.datasets.samplers import RepeatAugSampler
    sampler = RepeatAugSampler(list(range(12)), shuffle=True, num_repeats=2, seed=5)
    first = list(sampler)
    assert first == list(sampler) and len(first) == 12
    assert all(first[i] == first[i + 1] for i in range(0, 12, 2))  # copies stay adjacent
    sampler.set_epoch(1)
    assert list(sampler) != first
    with pytest.raises(ValueError, match='num_repeats'):
        RepeatAugSampler(list(range(3)), num_repeats=0)


def test_rc6_sampler_module_layout():
    from mmcls.datasets import samplers
    from mmcls.datasets.samplers.repeat_aug import RepeatAugSampler
    from mmcls.datasets.samplers.sampler import epoch_order
    assert samplers.RepeatAugSampler is RepeatAugSampler is DATA_SAMPLERS.get('RepeatAugSampler')
    assert samplers.epoch_order is epoch_order


def test_repeat_aug_sampler_uses_its_module_dist_helpers(monkeypatch):
    """The seed and the warning go through ``repeat_aug``'s own ``sync_random_seed`` and
    ``is_main_process`` (rc6's names, patchable at that module path)."""
    from mmcls.datasets.samplers import repeat_aug
    monkeypatch.setattr(repeat_aug, 'sync_random_seed', lambda: 7)
    assert repeat_aug.RepeatAugSampler(list(range(4))).seed == 7
    warned = []
    monkeypatch.setattr(repeat_aug, 'print_log', lambda msg, **kwargs: warned.append(msg))
    monkeypatch.setattr(repeat_aug, 'is_main_process', lambda: False)
    repeat_aug.RepeatAugSampler(list(range(4)), shuffle=False, seed=0)
    assert warned == []
    monkeypatch.setattr(repeat_aug, 'is_main_process', lambda: True)
    repeat_aug.RepeatAugSampler(list(range(4)), shuffle=False, seed=0)
    assert len(warned) == 1 and 'always picks a fixed part' in warned[0]
