"""PackClsInputs and the other formatting transforms."""
import numpy as np
import pytest
import torch
from PIL import Image

from mmcls.datasets.transforms import (Collect, ImageToTensor, PackClsInputs, PackMultiTaskInputs,
                                       ToNumpy, ToPIL, ToTensor, Transpose,
                                       image_to_chw_tensor)
from mmcls.structures import ClsDataSample


def test_pack_cls_inputs_image_label_meta(photo):
    results = dict(img=photo, gt_label=3, img_path='a.jpg', ori_shape=(375, 500),
                   img_shape=(375, 500), flip=False, flip_direction=None, sample_idx=7,
                   unrelated='x')
    packed = PackClsInputs()(results)
    inputs = packed['inputs']
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 375, 500)
    np.testing.assert_array_equal(inputs.numpy(), photo.transpose(2, 0, 1))
    sample = packed['data_samples']
    assert isinstance(sample, ClsDataSample)
    assert sample.gt_label.label.tolist() == [3]
    assert sample.img_path == 'a.jpg' and sample.sample_idx == 7 and sample.flip is False
    assert 'unrelated' not in sample.metainfo


@pytest.mark.parametrize('channels', [1, 2, 3, 4, 5])
@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_chw_conversion_of_views_and_channel_counts(photo, channels, dtype):
    base = np.concatenate([photo, photo[..., ::-1]], axis=-1)[..., :channels].astype(dtype)
    for img in (base, base[7:231, 33:257], base[::2, ::3]):
        tensor = image_to_chw_tensor(img)
        assert tensor.stride(0) == 1  # a CHW view of HWC memory
        np.testing.assert_array_equal(tensor.numpy(), img.transpose(2, 0, 1))
    crop = base[7:231, 33:257]
    assert image_to_chw_tensor(crop).numpy().ctypes.data == crop.ctypes.data  # no copy


def test_hwc_view_survives_collate_and_preprocessor(photo):
    from mmcls.datasets.collate import default_collate, pseudo_collate
    from mmcls.models.utils.data_preprocessor import ClsDataPreprocessor
    crops = [photo[i:i + 64, 2 * i:2 * i + 80] for i in range(4)]
    expected = np.stack([c.transpose(2, 0, 1) for c in crops]).astype(np.float32)
    samples = [dict(inputs=image_to_chw_tensor(c)) for c in crops]
    stacked = default_collate(samples)['inputs']
    assert stacked.shape == (4, 3, 64, 80)
    assert stacked.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_array_equal(stacked.numpy(), expected)
    for channels_last in (False, True):
        preprocessor = ClsDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1],
                                           channels_last=channels_last)
        for batch in (default_collate(samples), pseudo_collate(samples)):
            out = preprocessor(batch)['inputs']
            assert out.dtype == torch.float32
            assert out.is_contiguous(memory_format=torch.channels_last if channels_last
                                     else torch.contiguous_format)
            np.testing.assert_array_equal(out.numpy(), expected)


def test_pack_grayscale_is_zero_copy():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    inputs = PackClsInputs()(dict(img=gray))['inputs']
    assert inputs.shape == (1, 3, 4)
    gray[0, 0] = 99
    assert inputs[0, 0, 0] == 99  # shares memory with the array


def test_pack_multi_label_score_and_missing_img(photo):
    packed = PackClsInputs()(dict(img=photo, gt_label=[1, 4], gt_score=[0.1, 0.9]))
    assert packed['data_samples'].gt_label.label.tolist() == [1, 4]
    assert packed['data_samples'].gt_label.score.tolist() == pytest.approx([0.1, 0.9])
    with pytest.warns(UserWarning, match='img'):
        packed = PackClsInputs()(dict(gt_label=1))
    assert 'inputs' not in packed
    assert PackClsInputs(meta_keys=('img_path', ))(dict(img=photo, img_path='b',
                                                        flip=True))['data_samples'].metainfo \
        == {'img_path': 'b'}


def test_pack_multi_task_inputs(photo):
    transform = PackMultiTaskInputs(multi_task_fields=('gt_label', ))
    packed = transform(dict(img=photo, gt_label=dict(task1=1, task2=3), img_path='a.jpg'))
    assert packed['inputs'].shape == (3, 375, 500)
    samples = packed['data_samples']
    assert samples.task1.gt_label.label.tolist() == [1]
    assert samples.task2.gt_label.label.tolist() == [3]
    assert samples.img_path == 'a.jpg' and samples.task1.img_path == 'a.jpg'
    with pytest.raises(TypeError, match='gt_label'):
        transform(dict(img=photo, gt_label=1))
    only_path = PackMultiTaskInputs(task_handlers=dict(task2='PackClsInputs'),
                                    meta_keys=('img_path', ))
    packed = only_path(dict(img=photo, gt_label=dict(task1=1, task2=3), img_path='a.jpg',
                            flip=True))
    assert packed['data_samples'].metainfo == {'img_path': 'a.jpg'}
    assert packed['data_samples'].task2.metainfo == {'img_path': 'a.jpg'}
    assert packed['data_samples'].task1.metainfo == {'img_path': 'a.jpg'}


def test_collect_tonumpy_topil_transpose_totensor(photo):
    assert Collect(['img', 'gt_label'])(dict(img=1, gt_label=2, x=3)) == dict(img=1, gt_label=2)
    with pytest.raises(KeyError, match='gt_label'):
        Collect(['gt_label'])(dict(img=1))
    out = ToNumpy(['a', 'b'], dtype=np.float32)(dict(a=torch.tensor([1, 2]), b=[3]))
    assert out['a'].dtype == np.float32 and out['b'].tolist() == [3.]
    pil = ToPIL(to_rgb=True)(dict(img=photo))['img']
    assert isinstance(pil, Image.Image) and np.asarray(pil)[0, 0].tolist() == \
        photo[0, 0, ::-1].tolist()
    assert Transpose(['img'], (2, 0, 1))(dict(img=photo))['img'].shape == (3, 375, 500)
    assert Transpose(['t'], (1, 0))(dict(t=torch.zeros(2, 3)))['t'].shape == (3, 2)
    chw = ImageToTensor(['img'])(dict(img=photo))['img']
    assert isinstance(chw, torch.Tensor) and chw.shape == (3, 375, 500)
    tensors = ToTensor(['a', 'b', 'c'])(dict(a=np.arange(3), b=2, c=[1.5]))
    assert tensors['a'].tolist() == [0, 1, 2] and tensors['b'].dtype == torch.long
    assert tensors['c'].dtype == torch.float32
    with pytest.raises(TypeError):
        ToTensor(['a'])(dict(a='text'))


def test_reprs_show_the_keys_as_given():
    """Key lists are kept as the user wrote them, so reprs read as in rc6."""
    from mmcls.datasets.transforms import Collect, PackMultiTaskInputs, ToNumpy, Transpose
    assert repr(PackClsInputs(meta_keys=['flip', 'img_shape'])) == \
        "PackClsInputs(meta_keys=['flip', 'img_shape'])"
    assert repr(Transpose(keys=['img'], order=(2, 0, 1))) == \
        "Transpose(keys=['img'], order=(2, 0, 1))"
    assert repr(ToNumpy(keys=['img'], dtype='uint8')) == "ToNumpy(keys=['img'], dtype=uint8)"
    assert repr(Collect(keys=['img'])) == "Collect(keys=['img'])"
    assert Collect(keys=(k for k in ['img'])).keys == ('img', )
    assert repr(PackMultiTaskInputs(meta_keys=['img_shape'])) == \
        "PackMultiTaskInputs(task_handlers={}, multi_task_fields=('gt_label',), " \
        "meta_keys=['img_shape'])"
    packer = PackMultiTaskInputs(task_handlers=dict(a='PackClsInputs'), input_key='x')
    assert "task_handlers={'a': 'PackClsInputs'}" in repr(packer)
    assert repr(packer).endswith("input_key='x')")
