import pickle

import numpy as np
import pytest

from mmcls.datasets.serialized_list import SerializedList


def test_roundtrip_and_fresh_copies():
    items = [dict(img_path=f'a/{i}.jpg', gt_label=i % 3) for i in range(10)]
    store = SerializedList(iter(items))  # a generator is enough
    assert len(store) == 10
    assert [store[i] for i in range(10)] == items
    assert store[-1] == items[-1]
    first = store[0]
    first['gt_label'] = 99
    assert store[0]['gt_label'] == 0  # each access unpickles a new object
    assert store.data_bytes.dtype == np.uint8 and store.data_address.dtype == np.int64
    assert store.nbytes == store.data_bytes.nbytes + store.data_address.nbytes


def test_subset_and_errors():
    store = SerializedList([{'i': i} for i in range(5)])
    sub = store.subset([4, 0, 2])
    assert [x['i'] for x in sub] == [4, 0, 2]
    assert len(store.subset([])) == 0
    with pytest.raises(IndexError, match='out of range'):
        store[5]
    assert len(SerializedList([])) == 0


def test_pickles_for_spawned_workers():
    store = SerializedList([{'arr': np.arange(3)}])
    clone = pickle.loads(pickle.dumps(store))
    np.testing.assert_array_equal(clone[0]['arr'], np.arange(3))
