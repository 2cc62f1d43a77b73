import os
import os.path as osp
import pickle

import numpy as np
import pytest

from mmcls.datasets import CIFAR10, CIFAR100
from mmcls.datasets.download import calculate_md5
from mmcls.registry import DATASETS


def _write_batch(path, images, labels, label_key='labels'):
    os.makedirs(osp.dirname(path), exist_ok=True)
    data = images.transpose(0, 3, 1, 2).reshape(len(images), -1)  # rows of RRR..GGG..BBB..
    with open(path, 'wb') as f:
        pickle.dump({'data': data, label_key: list(labels), 'batch_label': b'fixture'}, f)
    return calculate_md5(path)


def _cifar10_fixture(root):
    """Five 4-image train batches, one 3-image test batch, the meta file; returns a subclass
    whose md5 table matches these files (the real table only matches the real batches)."""
    rng = np.random.default_rng(0)
    folder = osp.join(root, 'cifar-10-batches-py')
    train = []
    for i in range(1, 6):
        images = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
        labels = [(i + j) % 10 for j in range(4)]
        train.append([f'data_batch_{i}', _write_batch(osp.join(folder, f'data_batch_{i}'),
                                                      images, labels), images, labels])
    test_images = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    test_md5 = _write_batch(osp.join(folder, 'test_batch'), test_images, [7, 8, 9])
    meta_path = osp.join(folder, 'batches.meta')
    with open(meta_path, 'wb') as f:
        pickle.dump({'label_names': [f'c{i}' for i in range(10)]}, f)

    class FixtureCIFAR10(CIFAR10):
        train_list = [[name, md5] for name, md5, _, _ in train]
        test_list = [['test_batch', test_md5]]
        meta = dict(CIFAR10.meta, md5=calculate_md5(meta_path))

    return FixtureCIFAR10, train, test_images


def test_cifar10_reads_real_batch_format(tmp_path):
    cls, train, test_images = _cifar10_fixture(str(tmp_path))
    dataset = cls(data_prefix=str(tmp_path), test_mode=False, download=False)
    assert len(dataset) == 20
    info = dataset.get_data_info(5)
    np.testing.assert_array_equal(info['img'], train[1][2][1])  # HWC, RGB as stored
    assert info['img'].shape == (32, 32, 3) and info['img'].dtype == np.uint8
    assert info['gt_label'] == train[1][3][1]
    assert dataset.CLASSES[0] == 'airplane'  # METAINFO wins over the meta file
    test = cls(data_root=str(tmp_path), test_mode=True, download=False)
    assert len(test) == 3 and test.get_data_info(2)['gt_label'] == 9
    np.testing.assert_array_equal(test.get_data_info(0)['img'], test_images[0])
    assert 'Prefix of data' in repr(test)


def test_cifar10_md5_mismatch_and_missing(tmp_path):
    cls, _, _ = _cifar10_fixture(str(tmp_path))
    with open(osp.join(tmp_path, 'cifar-10-batches-py', 'data_batch_3'), 'ab') as f:
        f.write(b'corrupt')
    with pytest.raises(RuntimeError, match='missing or corrupted'):
        cls(data_prefix=str(tmp_path), test_mode=False, download=False)
    with pytest.raises(RuntimeError, match='missing or corrupted'):
        CIFAR10(data_prefix=str(tmp_path / 'none'), test_mode=True, download=False)
    with pytest.raises(TypeError, match='test_mode'):
        CIFAR10(data_prefix=str(tmp_path))


def test_cifar10_download_only_when_missing(tmp_path, monkeypatch):
    source = tmp_path / 'source'
    cls, _, _ = _cifar10_fixture(str(source))
    calls = []

    def fake_fetch(self):
        calls.append(self.root)
        os.rename(osp.join(source, 'cifar-10-batches-py'),
                  osp.join(self.root, 'cifar-10-batches-py'))

    monkeypatch.setattr(cls, '_fetch', fake_fetch)
    target = tmp_path / 'target'
    target.mkdir()
    assert len(cls(data_prefix=str(target), test_mode=True, download=True)) == 3
    assert len(cls(data_prefix=str(target), test_mode=True, download=True)) == 3
    assert len(calls) == 1


def test_cifar100_fine_labels(tmp_path):
    rng = np.random.default_rng(1)
    folder = osp.join(tmp_path, 'cifar-100-python')
    train_md5 = _write_batch(osp.join(folder, 'train'),
                             rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8),
                             [0, 10, 20, 30, 99], label_key='fine_labels')
    test_md5 = _write_batch(osp.join(folder, 'test'),
                            rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), [1, 2],
                            label_key='fine_labels')
    with open(osp.join(folder, 'meta'), 'wb') as f:
        pickle.dump({'fine_label_names': ['n'] * 100}, f)

    class FixtureCIFAR100(CIFAR100):
        train_list = [['train', train_md5]]
        test_list = [['test', test_md5]]
        meta = dict(CIFAR100.meta, md5=calculate_md5(osp.join(folder, 'meta')))

    dataset = FixtureCIFAR100(data_prefix=str(tmp_path), test_mode=False, download=False)
    assert [dataset.get_data_info(i)['gt_label'] for i in range(5)] == [0, 10, 20, 30, 99]
    assert dataset.CLASSES[-1] == 'worm'
    assert DATASETS.get('CIFAR100') is CIFAR100
