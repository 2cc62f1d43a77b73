"""Runner ``load_from`` resolves through mmcls.core.weights: file://, mirror, hash check, offline."""
import hashlib
import os
import os.path as osp
import shutil

import pytest
import torch

from runner_toys import assert_same_state, runner_kwargs, state_dict_of

from mmcls.core.checkpoint import CheckpointError, save_checkpoint
from mmcls.core.weights import WeightsHashError, weights_cache_dir
from mmcls.runner import Runner

DEAD_URL = 'http://127.0.0.1:9/ckpts'  # nothing listens there: fails at once, offline


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('MMCLS_HOME', str(tmp_path / 'home'))
    monkeypatch.delenv('MMCLS_WEIGHTS_MIRROR', raising=False)


@pytest.fixture
def trained(tmp_path):
    """A trained toy checkpoint copied under its ``-<sha256 prefix>`` name."""
    Runner(**runner_kwargs(str(tmp_path / 'a'), max_epochs=1, val=False)).train()
    source = tmp_path / 'a' / 'epoch_1.pth'
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:8]
    published = tmp_path / 'zoo' / f'toy-{digest}.pth'
    published.parent.mkdir()
    shutil.copy(source, published)
    return published


def _load(work_dir, load_from):
    runner = Runner(**runner_kwargs(str(work_dir), max_epochs=1, val=False, load_from=load_from,
                                    default_hooks=dict(checkpoint=None)))
    runner.load_or_resume()
    return runner


def test_load_from_file_url(trained, tmp_path):
    runner = _load(tmp_path / 'b', trained.as_uri())
    assert_same_state(runner.model.state_dict(), state_dict_of(str(trained)))


def test_load_from_url_through_the_mirror_then_the_cache(trained, tmp_path, monkeypatch):
    monkeypatch.setenv('MMCLS_WEIGHTS_MIRROR', str(trained.parent))
    runner = _load(tmp_path / 'b', f'{DEAD_URL}/{trained.name}')
    assert_same_state(runner.model.state_dict(), state_dict_of(str(trained)))
    monkeypatch.delenv('MMCLS_WEIGHTS_MIRROR')
    runner = _load(tmp_path / 'c', f'{DEAD_URL}/{trained.name}')  # served from the cache
    assert_same_state(runner.model.state_dict(), state_dict_of(str(trained)))


def test_load_from_corrupt_cache_offline_is_refused(trained, tmp_path):
    os.makedirs(weights_cache_dir())
    with open(osp.join(weights_cache_dir(), trained.name), 'wb') as file:
        file.write(b'garbage')
    with pytest.raises(WeightsHashError, match='downloading it again failed'):
        _load(tmp_path / 'b', f'{DEAD_URL}/{trained.name}')


def test_load_from_offline_says_where_to_put_the_file(trained, tmp_path):
    with pytest.raises(RuntimeError) as info:
        _load(tmp_path / 'b', f'{DEAD_URL}/{trained.name}')
    assert f'put it at {osp.join(weights_cache_dir(), trained.name)}' in str(info.value)


def test_load_from_a_foreign_checkpoint_names_the_file(tmp_path):
    path = str(tmp_path / 'foreign_model.pth')
    save_checkpoint({'state_dict': {'encoder.w': torch.zeros(1)}}, path)
    with pytest.raises(CheckpointError, match='no key of .*foreign_model.pth matches the model'):
        _load(tmp_path / 'b', path)
