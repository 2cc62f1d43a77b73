"""Collate functions in and outside DataLoader workers: values, memory layout, data samples."""
import pickle

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mmcls.datasets.collate import default_collate, pseudo_collate, stack_images
from mmcls.datasets.transforms import PackClsInputs
from mmcls.structures import ClsDataSample


class _Packed(Dataset):
    """Eight packed samples: crops (views) of a random HWC image with labels and meta."""

    def __init__(self):
        rng = np.random.default_rng(0)
        self.image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
        self.pack = PackClsInputs(meta_keys=('img_path', 'ori_shape'))

    def __len__(self):
        return 8

    def __getitem__(self, index):
        crop = self.image[index:index + 24, 2 * index:2 * index + 20]
        return self.pack(dict(img=crop, gt_label=index, img_path=f'{index}.png',
                              ori_shape=(40, 50)))


def _check_batch(batch, dataset, indices):
    inputs = batch['inputs']
    stacked = torch.stack([t.contiguous() for t in inputs]) if isinstance(inputs, list) \
        else inputs.contiguous()
    expected = np.stack([dataset[i]['inputs'].numpy() for i in indices])
    np.testing.assert_array_equal(stacked.numpy(), expected)
    for sample, index in zip(batch['data_samples'], indices):
        assert isinstance(sample, ClsDataSample)
        assert sample.gt_label.label.dtype == torch.long
        assert sample.gt_label.label.tolist() == [index]
        assert sample.img_path == f'{index}.png' and sample.ori_shape == (40, 50)


@pytest.mark.parametrize('collate', [default_collate, pseudo_collate])
@pytest.mark.parametrize('workers', [0, 1])
def test_loader_batches_match_the_samples(collate, workers):
    dataset = _Packed()
    loader = DataLoader(dataset, batch_size=4, num_workers=workers, collate_fn=collate)
    batches = list(loader)
    assert len(batches) == 2
    for start, batch in zip((0, 4), batches):
        _check_batch(batch, dataset, range(start, start + 4))
        inputs = batch['inputs']
        if collate is default_collate:
            # HWC views stack into a channels-last batch: one plain copy per image
            assert inputs.shape == (4, 3, 24, 20)
            assert inputs.is_contiguous(memory_format=torch.channels_last)
        else:
            assert all(t.stride(0) == 1 for t in inputs)


def test_stack_images_keeps_layout_and_falls_back():
    chw = [torch.arange(24, dtype=torch.float32).view(2, 3, 4) + i for i in range(3)]
    assert torch.equal(stack_images(chw), torch.stack(chw))
    assert stack_images(chw).is_contiguous()
    hwc_views = [t.permute(1, 2, 0).contiguous().permute(2, 0, 1) for t in chw]
    stacked = stack_images(hwc_views)
    assert torch.equal(stacked, torch.stack(chw))
    assert stacked.is_contiguous(memory_format=torch.channels_last)
    flat = torch.empty(3 * 24)
    assert stack_images(hwc_views, flat).data_ptr() == flat.data_ptr()
    with pytest.raises(RuntimeError):
        stack_images([chw[0], chw[1][:, :2]])
    assert stack_images([chw[0], chw[1].double()]).dtype == torch.float64


def test_data_samples_pickle_small_tensors_by_value():
    sample = ClsDataSample(metainfo=dict(img_path='a.jpg')).set_gt_label([1, 4])
    sample.set_pred_score(torch.rand(5))
    sample.features = torch.zeros(1 << 17)  # above the by-value size: torch's own pickling
    sample.weights = torch.ones(3, requires_grad=True)
    reducer, args = sample.gt_label.__reduce__()
    assert isinstance(args[1]['label'], np.ndarray)
    restored = pickle.loads(pickle.dumps(sample))
    assert restored.img_path == 'a.jpg'
    assert restored.gt_label.label.dtype == torch.long
    assert restored.gt_label.label.tolist() == [1, 4]
    assert torch.equal(restored.pred_label.score, sample.pred_label.score)
    assert restored.pred_label.num_classes == 5
    assert torch.equal(restored.features, sample.features)
    assert restored.weights.requires_grad
    restored.gt_label.label += 1  # an independent, writable copy
    assert sample.gt_label.label.tolist() == [1, 4]
    restored.set_gt_label(2)  # field bookkeeping survives
    assert 'gt_label' in restored.keys() and 'img_path' in restored.metainfo_keys()
