import gzip
import io
import os
import tarfile

import pytest

from mmcls.datasets.download import (calculate_md5, check_md5, download_and_extract_archive,
                                     download_url, extract_archive)


def test_md5(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'hello')
    assert calculate_md5(str(path)) == '5d41402abc4b2a76b9719d911017c592'
    assert check_md5(str(path), '5d41402abc4b2a76b9719d911017c592')
    assert check_md5(str(path), None)
    assert not check_md5(str(path), '0' * 32)
    assert not check_md5(str(tmp_path / 'missing'), None)
    # Any chunk size gives the same digest, a file larger than the chunk included.
    path.write_bytes(bytes(range(256)) * 40)
    whole = calculate_md5(fpath=str(path))
    assert calculate_md5(str(path), chunk_size=7) == calculate_md5(str(path), 1) == whole
    assert whole == 'c3cd26e07e555c0116db237fbc06d99c'
    with pytest.raises(ValueError, match='chunk_size'):
        calculate_md5(str(path), chunk_size=0)


def test_download_from_file_url_and_md5(tmp_path):
    source = tmp_path / 'source.bin'
    source.write_bytes(b'payload')
    target = tmp_path / 'out' / 'copy.bin'
    download_url(source.as_uri(), str(target), md5=calculate_md5(str(source)))
    assert target.read_bytes() == b'payload'
    with pytest.raises(RuntimeError, match='does not have md5'):
        download_url(source.as_uri(), str(tmp_path / 'other.bin'), md5='0' * 32)
    assert not (tmp_path / 'other.bin').exists() and not (tmp_path / 'other.bin.part').exists()
    with pytest.raises(RuntimeError, match='could not download'):
        download_url((tmp_path / 'nothing').as_uri(), str(tmp_path / 'x.bin'))


def test_extract_tar_gz_and_reject_traversal(tmp_path):
    archive = tmp_path / 'a.tar.gz'
    with tarfile.open(archive, 'w:gz') as tar:
        data = b'batch'
        info = tarfile.TarInfo('folder/data_batch_1')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    download_and_extract_archive(archive.as_uri(), str(tmp_path / 'dl'), filename='a.tar.gz')
    assert (tmp_path / 'dl' / 'folder' / 'data_batch_1').read_bytes() == b'batch'

    evil = tmp_path / 'evil.tar'
    with tarfile.open(evil, 'w') as tar:
        info = tarfile.TarInfo('../escape.txt')
        info.size = 1
        tar.addfile(info, io.BytesIO(b'x'))
    with pytest.raises(RuntimeError, match='outside'):
        extract_archive(str(evil), str(tmp_path / 'safe'))
    assert not (tmp_path / 'escape.txt').exists()


def test_extract_single_gz(tmp_path):
    path = tmp_path / 'labels.gz'
    with gzip.open(path, 'wb') as f:
        f.write(b'abc')
    extract_archive(str(path))
    assert (tmp_path / 'labels').read_bytes() == b'abc'
    (tmp_path / 'plain.txt').write_text('x')
    with pytest.raises(ValueError, match='not a tar, zip or gzip'):
        extract_archive(str(tmp_path / 'plain.txt'))
    os.remove(tmp_path / 'plain.txt')
