import gzip
import os.path as osp
import struct

import numpy as np
import pytest

from mmcls.datasets import MNIST, FashionMNIST
from mmcls.datasets.mnist import read_idx_file

FASHION = '/usr/share/datasets/fashion-mnist'
needs_fashion = pytest.mark.skipif(
    not osp.isfile(osp.join(FASHION, 't10k-labels-idx1-ubyte.gz')),
    reason='real Fashion-MNIST files absent: apt-get install dataset-fashion-mnist')


def _write_idx(path, array, compress):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack('>' + 'i' * array.ndim, *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path + '.gz', 'wb') as f:
            f.write(payload)
    else:
        with open(path, 'wb') as f:
            f.write(payload)


def _fixture(root, compress):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    _write_idx(osp.join(root, 'train-images-idx3-ubyte'), train, compress)
    _write_idx(osp.join(root, 'train-labels-idx1-ubyte'), np.arange(6) % 10, compress)
    _write_idx(osp.join(root, 't10k-images-idx3-ubyte'), test, compress)
    _write_idx(osp.join(root, 't10k-labels-idx1-ubyte'), np.array([3, 4]), compress)
    return train, test


@pytest.mark.parametrize('compress', [True, False])
def test_reads_plain_and_gz_idx(tmp_path, compress):
    train, test = _fixture(str(tmp_path), compress)
    dataset = MNIST(data_prefix=str(tmp_path), test_mode=False, download=False)
    assert len(dataset) == 6
    info = dataset.get_data_info(4)
    np.testing.assert_array_equal(info['img'], train[4])
    assert info['img'].shape == (28, 28) and info['img'].dtype == np.uint8
    assert info['gt_label'] == 4 and dataset.CLASSES[4] == '4 - four'
    testset = MNIST(data_root=str(tmp_path), test_mode=True, download=False)
    assert [testset.get_data_info(i)['gt_label'] for i in range(2)] == [3, 4]


def test_missing_truncated_and_required_args(tmp_path):
    with pytest.raises(FileNotFoundError, match='train-images-idx3-ubyte'):
        MNIST(data_prefix=str(tmp_path), test_mode=False, download=False)
    with pytest.raises(TypeError, match='test_mode'):
        MNIST(data_prefix=str(tmp_path))
    _fixture(str(tmp_path), compress=False)
    path = osp.join(tmp_path, 'train-images-idx3-ubyte')
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:-10])
    with pytest.raises(ValueError, match='truncated'):
        MNIST(data_prefix=str(tmp_path), test_mode=False, download=False)
    with open(path, 'wb') as f:
        f.write(b'\x01\x02\x03\x04')
    with pytest.raises(ValueError, match='not an idx file'):
        read_idx_file(path)


def test_download_fetches_only_missing_files(tmp_path, monkeypatch):
    source = tmp_path / 'source'
    source.mkdir()
    _fixture(str(source), compress=True)
    fetched = []

    def fake_download(url, download_root, filename, md5=None):
        fetched.append((url, md5))
        with open(osp.join(source, filename), 'rb') as src, \
                open(osp.join(download_root, filename), 'wb') as out:
            out.write(src.read())
        return download_root

    monkeypatch.setattr('mmcls.datasets.mnist.download_and_extract_archive', fake_download)
    target = tmp_path / 'target'
    target.mkdir()
    dataset = FashionMNIST(data_prefix=str(target), test_mode=True, download=True)
    assert len(dataset) == 2 and len(fetched) == 4
    assert fetched[0][0].startswith(FashionMNIST.url_prefix)
    assert fetched[0][1] == FashionMNIST.train_list[0][1]
    FashionMNIST(data_prefix=str(target), test_mode=True, download=True)
    assert len(fetched) == 4


def test_download_falls_back_to_mirrors(tmp_path, monkeypatch):
    source = tmp_path / 'source'
    source.mkdir()
    _fixture(str(source), compress=True)
    tried = []

    def flaky_download(url, download_root, filename, md5=None):
        tried.append(url)
        if url.startswith(MNIST.url_prefix):
            raise RuntimeError(f'could not download {url}')
        with open(osp.join(source, filename), 'rb') as src, \
                open(osp.join(download_root, filename), 'wb') as out:
            out.write(src.read())
        return download_root

    monkeypatch.setattr('mmcls.datasets.mnist.download_and_extract_archive', flaky_download)
    target = tmp_path / 'target'
    target.mkdir()
    assert len(MNIST(data_prefix=str(target), test_mode=False, download=True)) == 6
    assert len(tried) == 8 and tried[1].startswith(MNIST.mirrors[0])

    monkeypatch.setattr(MNIST, 'mirrors', ())
    with pytest.raises(RuntimeError, match='MNIST: could not download train-images'):
        MNIST(data_prefix=str(tmp_path / 'empty'), test_mode=True, download=True)


@needs_fashion
def test_real_fashion_mnist():
    test = FashionMNIST(data_prefix=FASHION, test_mode=True, download=False)
    assert len(test) == 10000
    info = test.get_data_info(0)
    assert info['img'].shape == (28, 28) and info['img'].dtype == np.uint8
    assert 0 < info['img'].mean() < 255
    assert np.bincount(test.get_gt_labels(), minlength=10).tolist() == [1000] * 10
    assert test.CLASSES == ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal',
                            'Shirt', 'Sneaker', 'Bag', 'Ankle boot')
    train = FashionMNIST(data_root=FASHION, test_mode=False, download=True)  # nothing to fetch
    assert len(train) == 60000


def test_rc6_idx_readers(tmp_path):
    import torch

    from mmcls.datasets.mnist import (get_int, read_image_file, read_label_file,
                                      read_sn3_pascalvincent_tensor)
    assert get_int(b'\x00\x00\x08\x03') == 2051 and get_int(b'\x00\x00\xea\x60') == 60000
    train, _ = _fixture(str(tmp_path), compress=False)
    images = read_image_file(osp.join(str(tmp_path), 'train-images-idx3-ubyte'))
    assert images.dtype == torch.uint8 and images.shape == (6, 28, 28)
    np.testing.assert_array_equal(images.numpy(), train)
    labels = read_label_file(osp.join(str(tmp_path), 'train-labels-idx1-ubyte'))
    assert labels.dtype == torch.int64 and labels.tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match='label file'):
        read_label_file(osp.join(str(tmp_path), 'train-images-idx3-ubyte'))
    # int32 data, compressed, with trailing bytes only accepted when not strict
    path = str(tmp_path / 'ints-idx1-ubyte.gz')
    with gzip.open(path, 'wb') as f:
        f.write(bytes([0, 0, 0x0C, 1]) + struct.pack('>i', 3) + struct.pack('>3i', -1, 2, 70000)
                + b'\x00')
    assert read_sn3_pascalvincent_tensor(path, strict=False).tolist() == [-1, 2, 70000]
    with pytest.raises(ValueError, match='truncated or corrupt'):
        read_sn3_pascalvincent_tensor(path)
