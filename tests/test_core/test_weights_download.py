"""The one downloader (mmcls.core.weights): local HTTP server, mirror, url_mapping, file://,
torchvision://, hash checks of cached files, offline messages; and that no other module downloads."""
import functools
import hashlib
import http.server
import os
import os.path as osp
import re
import threading

import pytest
import torch
import torch.nn as nn

from mmcls.apis import get_model, init_model
from mmcls.core.checkpoint import CheckpointLoader, save_checkpoint
from mmcls.core.weights import (TORCHVISION_URLS, WeightsHashError, map_url, resolve_weights,
                                weights_cache_dir)
from mmcls.models.utils.weight_init import initialize

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
DEAD_URL = 'http://127.0.0.1:9/models'  # nothing listens there: fails at once, offline


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('MMCLS_HOME', str(tmp_path / 'home'))
    monkeypatch.delenv('MMCLS_WEIGHTS_MIRROR', raising=False)


class _Server:
    """A static HTTP server on 127.0.0.1 serving ``root`` that records the requested paths."""

    def __init__(self, root):
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                return None

        self.httpd = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), functools.partial(Handler, directory=str(root)))
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def served(tmp_path):
    root = tmp_path / 'www'
    root.mkdir()
    server = _Server(root)
    yield root, server
    server.close()


def _hashed_copy(folder, stem, checkpoint):
    """Save ``checkpoint`` as ``<stem>-<sha256[:8]>.pth`` in ``folder``; return the file name."""
    raw = folder / 'raw.pth'
    save_checkpoint(checkpoint, str(raw))
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()[:8]
    name = f'{stem}-{digest}.pth'
    os.replace(raw, folder / name)
    return name


def _lenet_state():
    torch.manual_seed(3)
    return init_model(CONFIG).state_dict()


def _same(model, state):
    return all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def test_http_download_lands_once_in_the_cache(served):
    root, server = served
    name = _hashed_copy(root, 'lenet', {'state_dict': _lenet_state()})
    for _ in range(2):
        path = resolve_weights(f'{server.url}/{name}', progress=False)
    assert path == osp.join(weights_cache_dir(), name)
    assert server.requests == [f'/{name}']
    assert os.listdir(weights_cache_dir()) == [name]  # no temporary file left


def test_corrupt_cached_file_is_downloaded_again_once(served):
    root, server = served
    name = _hashed_copy(root, 'lenet', {'state_dict': _lenet_state()})
    os.makedirs(weights_cache_dir())
    cached = osp.join(weights_cache_dir(), name)
    with open(cached, 'wb') as file:
        file.write(b'truncated')
    assert resolve_weights(f'{server.url}/{name}', progress=False) == cached
    assert open(cached, 'rb').read() == (root / name).read_bytes()
    assert server.requests == [f'/{name}']


def test_corrupt_cached_file_offline_is_refused_with_the_reason(tmp_path):
    name = 'lenet-0123abcd.pth'
    os.makedirs(weights_cache_dir())
    with open(osp.join(weights_cache_dir(), name), 'wb') as file:
        file.write(b'not the published file')
    with pytest.raises(WeightsHashError) as info:
        resolve_weights(f'{DEAD_URL}/{name}', progress=False)
    message = str(info.value)
    assert 'corrupt or not the published one' in message and 'downloading it again failed' in message
    assert f'{DEAD_URL}/{name}' in message


def test_mirror_url_prefix_replaces_the_host(served, monkeypatch):
    root, server = served
    name = _hashed_copy(root, 'lenet', {'state_dict': _lenet_state()})
    monkeypatch.setenv('MMCLS_WEIGHTS_MIRROR', server.url)
    path = resolve_weights(f'https://unreachable.invalid/some/dir/{name}', progress=False)
    assert open(path, 'rb').read() == (root / name).read_bytes()
    assert server.requests == [f'/{name}']


def test_url_mapping_rewrites_before_download(served):
    root, server = served
    state = _lenet_state()
    name = _hashed_copy(root, 'lenet', {'state_dict': state})
    mapping = {r'^https://weights\.example/zoo/': server.url + '/'}
    model = get_model(CONFIG, pretrained=f'https://weights.example/zoo/{name}',
                      url_mapping=mapping)
    assert _same(model, state)
    assert server.requests == [f'/{name}']


def test_torchvision_urls_expand_to_the_table_and_unknown_names_fail():
    assert map_url('torchvision://resnet50') == TORCHVISION_URLS['resnet50']
    assert set(TORCHVISION_URLS) >= {'resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'}
    assert map_url('torchvision://resnet18', {r'https://download\.pytorch\.org/models': 'file:///w'}) \
        == 'file:///w/resnet18-f37072fd.pth'
    with pytest.raises(KeyError, match='resnet9000'):
        map_url('torchvision://resnet9000')


def test_torchvision_url_is_served_by_the_mirror_folder(tmp_path, monkeypatch):
    name = osp.basename(TORCHVISION_URLS['resnet18'])
    mirror = tmp_path / 'mirror'
    mirror.mkdir()
    (mirror / name).write_bytes(b'not resnet18')
    monkeypatch.setenv('MMCLS_WEIGHTS_MIRROR', str(mirror))
    with pytest.raises(RuntimeError, match='WeightsHashError'):  # its hash suffix is checked
        resolve_weights('torchvision://resnet18', progress=False,  # the host: offline
                        url_mapping={r'^https://download\.pytorch\.org/models': DEAD_URL})
    assert not os.listdir(weights_cache_dir())


def test_file_url_for_pretrained_init_cfg(tmp_path):
    torch.manual_seed(0)
    source = nn.Sequential(nn.Linear(4, 3))
    save_checkpoint({'state_dict': {'backbone.' + k: v for k, v in source.state_dict().items()}},
                    str(tmp_path / 'w.pth'))
    target = nn.Sequential(nn.Linear(4, 3))
    initialize(target, dict(type='Pretrained', checkpoint=(tmp_path / 'w.pth').as_uri(),
                            prefix='backbone.'))
    assert torch.equal(target[0].weight, source[0].weight)


def test_pretrained_init_cfg_downloads_through_the_cache(served):
    root, server = served
    torch.manual_seed(0)
    source = nn.Sequential(nn.Linear(4, 3))
    name = _hashed_copy(root, 'toy', {'state_dict': source.state_dict()})
    target = nn.Sequential(nn.Linear(4, 3))
    initialize(target, dict(type='Pretrained', checkpoint=f'https://elsewhere.invalid/{name}',
                            url_mapping={'^https://elsewhere.invalid': server.url}))
    assert torch.equal(target[0].weight, source[0].weight)
    assert osp.isfile(osp.join(weights_cache_dir(), name))


@pytest.mark.parametrize('entry', ['get_model', 'init_model', 'pretrained_init', 'loader'])
def test_offline_message_names_the_url_and_where_to_put_the_file(entry):
    name = 'lenet-0123abcd.pth'
    url = f'{DEAD_URL}/{name}'
    with pytest.raises(RuntimeError) as info:
        if entry == 'get_model':
            get_model(CONFIG, pretrained=url)
        elif entry == 'init_model':
            init_model(CONFIG, url)
        elif entry == 'pretrained_init':
            initialize(nn.Linear(2, 2), dict(type='Pretrained', checkpoint=url))
        else:
            CheckpointLoader.load_checkpoint(url)
    message = str(info.value)
    assert url in message
    assert f'put it at {osp.join(weights_cache_dir(), name)}' in message
    assert 'MMCLS_WEIGHTS_MIRROR' in message


# torch.hub covers its download_url_to_file; mmcls.datasets.utils has a function of that
# name that delegates to mmcls.core.weights, so the bare name is not a network call.
_NETWORK_CALLS = re.compile(r'urlopen|torch\.hub|urllib\.request|requests\.get')


def test_only_core_http_opens_urls():
    package = osp.join(REPO, 'mmcls')
    allowed = {osp.join(package, 'core', 'http.py')}
    offenders = []
    for folder, _, files in os.walk(package):
        for file in files:
            path = osp.join(folder, file)
            if not file.endswith('.py') or path in allowed:
                continue
            with open(path, encoding='utf-8') as source:
                for number, line in enumerate(source, 1):
                    if _NETWORK_CALLS.search(line):
                        offenders.append(f'{osp.relpath(path, REPO)}:{number}: {line.strip()}')
    assert not offenders, 'network access outside mmcls/core/http.py:\n' + '\n'.join(offenders)
