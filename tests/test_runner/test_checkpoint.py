"""Checkpoint I/O: layout, atomic writes, weights_only loading, foreign pickles, safetensors, URLs."""
import os
import os.path as osp
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as nn

from mmcls.core.checkpoint import (CheckpointError, CheckpointLoader, find_latest_checkpoint,
                                   load_checkpoint, load_state_dict, save_checkpoint, to_plain)
from mmcls.core.safe_pickle import is_placeholder


def _small():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))


def test_save_load_roundtrip_is_weights_only_loadable(tmp_path):
    model = _small()
    path = str(tmp_path / 'ckpt.pth')
    save_checkpoint(dict(meta=dict(epoch=1, note=np.float32(0.5), arr=np.arange(3)),
                         state_dict=model.state_dict()), path)
    raw = torch.load(path, weights_only=True)
    assert raw['meta']['epoch'] == 1 and raw['meta']['note'] == 0.5
    assert torch.equal(raw['meta']['arr'], torch.arange(3))
    other = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    load_checkpoint(other, path, strict=True)
    for a, b in zip(model.state_dict().values(), other.state_dict().values()):
        assert torch.equal(a, b)
    assert [p for p in os.listdir(tmp_path) if p.startswith('.tmp_')] == []


def test_to_plain_names_the_offending_key():
    with pytest.raises(TypeError, match=r'checkpoint\.meta\.bad'):
        to_plain(dict(meta=dict(bad=object())))


def test_failed_write_keeps_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'ckpt.pth')
    save_checkpoint(dict(state_dict=dict(w=torch.ones(2))), path)

    def broken_save(obj, f):
        with open(f, 'wb') as fh:
            fh.write(b'partial')
        raise OSError('disk full')

    monkeypatch.setattr(torch, 'save', broken_save)
    with pytest.raises(OSError, match='disk full'):
        save_checkpoint(dict(state_dict=dict(w=torch.zeros(2))), path)
    monkeypatch.undo()
    assert torch.equal(torch.load(path, weights_only=True)['state_dict']['w'], torch.ones(2))
    assert sorted(os.listdir(tmp_path)) == ['ckpt.pth']


class _Evil:
    """Unpickling this normally would create a marker file via os.system."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


class ForeignHub:
    """Stands for a class of another library (e.g. MMEngine's MessageHub)."""

    def __init__(self):
        self.log = {'loss': np.array([1.0, 2.0])}


def test_foreign_pickle_never_runs_code(tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'foreign.pth')
    model = _small()
    torch.save(dict(state_dict=model.state_dict(), message_hub=ForeignHub(),
                    payload=_Evil(marker), meta=dict(epoch=3)), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    target = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    checkpoint = load_checkpoint(target, path, strict=True)
    assert not marker.exists()
    assert is_placeholder(checkpoint['payload'])
    assert checkpoint['payload'].placeholder_of == 'posix.system'
    assert checkpoint['payload'].args == (f'touch {marker}',)
    hub = checkpoint['message_hub']
    assert is_placeholder(hub) and hub.placeholder_of.endswith('ForeignHub')
    np.testing.assert_array_equal(hub.state['log']['loss'], [1.0, 2.0])
    assert checkpoint['meta']['epoch'] == 3
    assert torch.equal(target[0].weight, model[0].weight)


def test_safetensors_roundtrip(tmp_path):
    model = _small()
    path = str(tmp_path / 'w.safetensors')
    save_checkpoint(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)
    from safetensors.torch import load_file
    assert set(load_file(path)) == set(model.state_dict())
    other = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    load_checkpoint(other, path, strict=True)
    assert torch.equal(other[0].bias, model[0].bias)


def test_revise_keys_and_prefix(tmp_path):
    model = _small()
    wrapped = OrderedDict((f'module.backbone.{k}', v) for k, v in model.state_dict().items())
    path = str(tmp_path / 'ddp.pth')
    save_checkpoint(dict(state_dict=wrapped), path)
    other = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    load_checkpoint(other, path, strict=True, prefix='backbone')
    assert torch.equal(other[0].weight, model[0].weight)
    with pytest.raises(CheckpointError, match='prefix'):
        load_checkpoint(other, path, prefix='neck')
    renamed = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    load_checkpoint(renamed, path, strict=True,
                    revise_keys=[(r'^module\.', ''), (r'^backbone\.', '')])
    assert torch.equal(renamed[1].running_var, model[1].running_var)


def test_load_state_dict_reports_mismatches():
    model = _small()
    state = model.state_dict()
    state['0.weight'] = torch.zeros(5, 4)
    state['extra'] = torch.zeros(1)
    del state['1.bias']
    with pytest.raises(RuntimeError) as info:
        load_state_dict(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)), state, strict=True)
    text = str(info.value)
    assert '1 unexpected (extra)' in text
    assert '1 missing (1.bias)' in text
    assert '0.weight has shape (5, 4) in the checkpoint, (3, 4) in the model' in text
    target = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    load_state_dict(target, state, strict=False)  # warns, loads what fits
    assert torch.equal(target[0].bias, model[0].bias)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint(_small(), str(tmp_path / 'nope.pth'))


def test_find_latest_checkpoint(tmp_path):
    assert find_latest_checkpoint(str(tmp_path)) is None
    for name in ('epoch_2.pth', 'epoch_10.pth', 'epoch_9.pth'):
        (tmp_path / name).write_bytes(b'')
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_10.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_9.pth'))
    assert find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_9.pth')
