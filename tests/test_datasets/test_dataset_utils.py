"""mmcls.datasets.utils: MMClassification 1.x's file helpers, downloading only through
mmcls.core.weights."""
import gzip
import hashlib
import lzma
import os
import tarfile

import pytest

from mmcls.core import weights
from mmcls.datasets import utils


def _archive(tmp_path):
    payload = tmp_path / 'payload.txt'
    payload.write_text('hello')
    archive = tmp_path / 'data.tar.gz'
    with tarfile.open(archive, 'w:gz') as tar:
        tar.add(payload, arcname='inner/payload.txt')
    return archive, hashlib.md5(archive.read_bytes()).hexdigest()


def test_checksums_and_suffixes(tmp_path):
    archive, md5 = _archive(tmp_path)
    assert utils.calculate_md5(str(archive)) == md5
    assert utils.check_md5(str(archive), md5) and not utils.check_md5(str(archive), '0' * 32)
    assert utils.check_integrity(str(archive)) and utils.check_integrity(str(archive), md5)
    assert not utils.check_integrity(str(tmp_path / 'none'))
    assert utils.rm_suffix('train-images.idx3-ubyte') == 'train-images'
    assert utils.rm_suffix('a.tar.gz', suffix='.tar') == 'a' and utils.rm_suffix('abc') == 'abc'


def test_download_and_extract_goes_through_core_weights(tmp_path, monkeypatch):
    archive, md5 = _archive(tmp_path)
    calls = []

    def fake_transfer(source, destination, progress, timeout):  # the network step of core
        calls.append(source)
        with open(destination, 'wb') as out:
            out.write(archive.read_bytes())

    monkeypatch.setattr(weights, '_fetch', fake_transfer)
    root = tmp_path / 'root'
    out = utils.download_and_extract_archive('https://example.org/data.tar.gz', str(root),
                                             md5=md5, remove_finished=True)
    assert calls == ['https://example.org/data.tar.gz']  # one transfer, by core.weights
    assert (root / 'inner' / 'payload.txt').read_text() == 'hello' and out == str(root)
    assert not (root / 'data.tar.gz').exists()  # removed after extraction
    dst = utils.download_url_to_file('https://example.org/x', str(tmp_path / 'x.bin'),
                                     hash_prefix=hashlib.sha256(archive.read_bytes()).hexdigest()[:8])
    assert os.path.getsize(dst) == archive.stat().st_size
    with pytest.raises(RuntimeError, match='SHA-256 of the download'):
        utils.download_url_to_file('https://example.org/x', str(tmp_path / 'y.bin'),
                                   hash_prefix='zzzz')


def test_download_url_keeps_a_verified_file(tmp_path, monkeypatch):
    archive, md5 = _archive(tmp_path)
    monkeypatch.setattr(weights, '_fetch', lambda *a, **k: pytest.fail('downloaded'))
    path = utils.download_url('https://example.org/whatever', str(tmp_path), 'data.tar.gz', md5)
    assert path == str(archive)


def test_open_maybe_compressed_file(tmp_path):
    (tmp_path / 'a.gz').write_bytes(gzip.compress(b'gz'))
    (tmp_path / 'a.xz').write_bytes(lzma.compress(b'xz'))
    (tmp_path / 'a.bin').write_bytes(b'raw')
    for name, expected in (('a.gz', b'gz'), ('a.xz', b'xz'), ('a.bin', b'raw')):
        with utils.open_maybe_compressed_file(str(tmp_path / name)) as f:
            assert f.read() == expected
    with open(tmp_path / 'a.bin', 'rb') as handle:
        assert utils.open_maybe_compressed_file(handle) is handle
