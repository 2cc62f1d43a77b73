"""MessageHub/HistoryBuffer, LogProcessor checks, logging helpers, priorities, randomness."""
import logging
import random

import numpy as np
import pytest
import torch

from mmcls.core import (HistoryBuffer, LogProcessor, MessageHub, Priority, get_logger,
                          get_priority, get_rng_state, print_log, set_random_seed, set_rng_state)
from mmcls.core.randomness import worker_init_fn


def test_history_buffer_statistics():
    buf = HistoryBuffer()
    for value, count in ((1.0, 1), (3.0, 1), (10.0, 2)):
        buf.update(value, count)
    assert buf.current() == 10.0
    assert buf.mean(2) == pytest.approx(13.0 / 3)
    assert buf.max() == 10.0 and buf.min() == 1.0
    with pytest.raises(KeyError):
        buf.statistics('median')
    with pytest.raises(ValueError):
        HistoryBuffer().current()


def _forbid_read_back(monkeypatch):
    """Make every way of reading a tensor back into Python raise."""
    def refuse(*args, **kwargs):
        raise AssertionError('a tensor was read back while logging')
    for name in ('item', 'tolist', '__float__'):
        monkeypatch.setattr(torch.Tensor, name, refuse)


def test_tensor_scalars_are_read_back_only_when_the_history_is_read(monkeypatch):
    hub = MessageHub('deferred')
    loss = torch.tensor(2.0)
    with monkeypatch.context() as patch:
        _forbid_read_back(patch)
        hub.update_scalar('train/loss', loss)
        loss += 1.0  # the history keeps a snapshot of the logged value
        hub.update_scalar('train/loss', torch.tensor([4.0]), count=2)
        hub.update_scalar('train/loss', 6.0)  # a float after tensors keeps the order
        hub.update_scalar('train/loss', torch.tensor(8.0))
        assert len(hub.get_scalar('train/loss')) == 4
    buf = hub.get_scalar('train/loss')
    assert buf.data[0].tolist() == [2.0, 4.0, 6.0, 8.0]
    assert buf.data[1].tolist() == [1, 2, 1, 1]
    assert buf.mean() == pytest.approx(20.0 / 5) and buf.current() == 8.0
    assert hub.state_dict()['log_scalars']['train/loss']['log'] == [2.0, 4.0, 6.0, 8.0]
    with pytest.raises(ValueError, match="'train/acc' must have one element"):
        hub.update_scalar('train/acc', torch.ones(2))


def test_history_buffer_bounds_its_pending_tensors_and_length():
    buf = HistoryBuffer(max_length=3)
    for value in range(HistoryBuffer.MAX_PENDING + 2):
        buf.update(torch.tensor(float(value)))
    assert len(buf._pending) == 2  # read back once MAX_PENDING accumulated
    assert len(buf) == 3 and buf.data[0].tolist() == [HistoryBuffer.MAX_PENDING - 1.0,
                                                        HistoryBuffer.MAX_PENDING,
                                                        HistoryBuffer.MAX_PENDING + 1.0]


def test_message_hub_state_roundtrip():
    hub = MessageHub('test_hub')
    hub.update_scalar('train/loss', torch.tensor(2.0))
    hub.update_scalars({'train/acc': np.float32(0.5)})
    hub.update_info('epoch', 3)
    hub.update_info('transient', 1, resumed=False)
    state = hub.state_dict()
    assert 'transient' not in state['runtime_info']
    other = MessageHub('test_hub2')
    other.load_state_dict(state)
    assert other.get_scalar('train/loss').current() == 2.0
    assert other.get_info('epoch') == 3
    assert MessageHub.get_current_instance() is other
    with pytest.raises(ValueError, match='one element'):
        hub.update_scalar('x', torch.ones(2))
    with pytest.raises(KeyError, match='train/loss'):
        hub.get_scalar('missing')


def test_log_processor_checks_custom_cfg():
    with pytest.raises(KeyError, match='data_src'):
        LogProcessor(custom_cfg=[dict(method_name='mean')])
    with pytest.raises(ValueError, match='method_name'):
        LogProcessor(custom_cfg=[dict(data_src='loss', method_name='median')])
    with pytest.raises(ValueError, match='twice'):
        LogProcessor(custom_cfg=[dict(data_src='loss', method_name='max'),
                                 dict(data_src='loss', method_name='min')])


def test_priorities():
    assert get_priority('above_normal') == 40 == get_priority(Priority.ABOVE_NORMAL)
    assert get_priority(7) == 7
    with pytest.raises(ValueError, match='ABOVE_NORMAL'):
        get_priority('SUPER')
    with pytest.raises(ValueError):
        get_priority(101)


def test_logger_file_and_print_log(tmp_path, capsys):
    logger = get_logger('mmcls_test_logger', log_file=str(tmp_path / 'a.log'))
    print_log('hello file', logger='current')
    print_log('quiet', logger='silent')
    print_log('plain')
    for handler in logger.handlers:
        handler.flush()
    assert 'hello file' in (tmp_path / 'a.log').read_text()
    out = capsys.readouterr().out
    assert 'hello file' in out and 'plain' in out and 'quiet' not in out
    print_log('by name', logger=logging.getLogger('mmcls_test_logger'), level=logging.DEBUG)
    with pytest.raises(TypeError):
        print_log('x', logger=3)


def test_rng_state_roundtrip_and_seeding():
    assert set_random_seed(5) == 5
    state = get_rng_state()
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    set_rng_state(state)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    drawn = set_random_seed(None)
    assert isinstance(drawn, int)


def test_worker_seeds_differ_by_worker_and_rank():
    seeds = set()
    for rank in range(2):
        for worker in range(2):
            torch.manual_seed(100 + worker)  # what PyTorch sets: base_seed + worker_id
            worker_init_fn(worker, num_workers=2, rank=rank, seed=0)
            seeds.add(np.random.randint(1 << 30))
    assert len(seeds) == 4
