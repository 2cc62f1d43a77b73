"""Pretrained weights: local files, file:// URLs, the download cache and the mirror; hash checks."""
import hashlib
import os
import os.path as osp
import shutil

import pytest
import torch

from mmcls.apis import get_model, init_model
from mmcls.core.weights import (WeightsHashError, expected_hash, resolve_weights,
                                weights_cache_dir)
from mmcls.core.checkpoint import save_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
# An address nothing listens on: a download attempt fails at once, without network access.
DEAD_URL = 'http://127.0.0.1:9/weights'


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('MMCLS_HOME', str(tmp_path / 'home'))
    monkeypatch.delenv('MMCLS_WEIGHTS_MIRROR', raising=False)


@pytest.fixture(scope='module')
def zoo_files(tmp_path_factory):
    """A LeNet-5 checkpoint under a correct zoo name, and a copy under a wrong hash suffix."""
    folder = tmp_path_factory.mktemp('zoo')
    torch.manual_seed(1)
    state = init_model(CONFIG).state_dict()
    raw = folder / 'raw.pth'
    save_checkpoint({'meta': {'dataset_meta': {'classes': list('abcdefghij')}},
                     'state_dict': state}, str(raw))
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    good = folder / f'lenet5_subset_20260101-{digest[:8]}.pth'
    bad_prefix = format((int(digest[:8], 16) + 1) % 16**8, '08x')
    bad = folder / f'lenet5_subset_20260101-{bad_prefix}.pth'
    shutil.copy(raw, good)
    shutil.copy(raw, bad)
    return dict(good=str(good), bad=str(bad), state=state)


def _assert_loaded(model, state):
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())
    assert list(model.CLASSES) == list('abcdefghij')


def test_expected_hash_reads_zoo_names():
    assert expected_hash('resnet50_8xb32_in1k_20210831-ea4938fc.pth') == 'ea4938fc'
    assert expected_hash('/x/y/model_20220101-0123abcd.safetensors') == '0123abcd'
    assert expected_hash('epoch_10.pth') is None
    assert expected_hash('resnet18-f37072fd.pth') == 'f37072fd'  # torchvision-style name
    assert expected_hash('model-ea49.pth') is None  # too short to be a hash prefix


def test_local_file_with_correct_and_wrong_hash(zoo_files):
    _assert_loaded(init_model(CONFIG, zoo_files['good']), zoo_files['state'])
    _assert_loaded(get_model(CONFIG, pretrained=zoo_files['good']), zoo_files['state'])
    with pytest.raises(WeightsHashError, match='corrupt or not the published one'):
        init_model(CONFIG, zoo_files['bad'])


def test_file_url_with_correct_and_wrong_hash(zoo_files):
    _assert_loaded(init_model(CONFIG, 'file://' + zoo_files['good']), zoo_files['state'])
    with pytest.raises(WeightsHashError, match=osp.basename(zoo_files['bad'])):
        get_model(CONFIG, pretrained='file://' + zoo_files['bad'])
    with pytest.raises(FileNotFoundError, match='does not exist'):
        resolve_weights('file:///no/such/dir/w_20200101-00000000.pth')


def test_url_offline_without_file_says_where_to_put_it(zoo_files):
    name = osp.basename(zoo_files['good'])
    with pytest.raises(RuntimeError) as info:
        resolve_weights(f'{DEAD_URL}/{name}', progress=False)
    cached = osp.join(weights_cache_dir(), name)
    assert f'put it at {cached}' in str(info.value)
    assert 'MMCLS_WEIGHTS_MIRROR' in str(info.value)
    assert not os.listdir(weights_cache_dir())  # no partial download left behind


def test_url_uses_a_file_placed_in_the_cache(zoo_files):
    name = osp.basename(zoo_files['good'])
    os.makedirs(weights_cache_dir())
    shutil.copy(zoo_files['good'], osp.join(weights_cache_dir(), name))
    model = init_model(CONFIG, f'{DEAD_URL}/{name}')
    _assert_loaded(model, zoo_files['state'])
    # A cached file whose content does not match its name is reported, not used.
    bad_name = osp.basename(zoo_files['bad'])
    shutil.copy(zoo_files['bad'], osp.join(weights_cache_dir(), bad_name))
    with pytest.raises(WeightsHashError):
        resolve_weights(f'{DEAD_URL}/{bad_name}')


@pytest.mark.parametrize('as_url', [False, True])
def test_mirror_folder_or_url_fills_the_cache(zoo_files, monkeypatch, as_url):
    mirror = osp.dirname(zoo_files['good'])
    monkeypatch.setenv('MMCLS_WEIGHTS_MIRROR', 'file://' + mirror if as_url else mirror)
    name = osp.basename(zoo_files['good'])
    path = resolve_weights(f'{DEAD_URL}/{name}', progress=False)
    assert path == osp.join(weights_cache_dir(), name)
    assert open(path, 'rb').read() == open(zoo_files['good'], 'rb').read()
    # A mirror copy that fails the hash is rejected and nothing is cached.
    with pytest.raises(RuntimeError, match='WeightsHashError'):
        resolve_weights(f'{DEAD_URL}/{osp.basename(zoo_files["bad"])}', progress=False)
    assert sorted(os.listdir(weights_cache_dir())) == [name]


def test_missing_local_weights_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        init_model(CONFIG, str(tmp_path / 'nothing.pth'))
