"""LoadImageFromFile / LoadImageFromNDArray."""
import numpy as np
import pytest

from mmcls.datasets.transforms import Compose, LoadImageFromFile, LoadImageFromNDArray
from mmcls.datasets.transforms.image_io import LazyImage
from mmcls.registry import TRANSFORMS


def test_load_sets_keys(jpeg_file):
    path, full = jpeg_file()
    results = LoadImageFromFile()(dict(img_path=str(path), gt_label=1))
    np.testing.assert_array_equal(results['img'], full)
    assert results['img_shape'] == results['ori_shape'] == (375, 500)
    assert results['gt_label'] == 1


def test_load_options(jpeg_file):
    path, full = jpeg_file()
    as_float = LoadImageFromFile(to_float32=True)(dict(img_path=path))['img']
    assert as_float.dtype == np.float32
    np.testing.assert_array_equal(as_float, full.astype(np.float32))
    gray = LoadImageFromFile(color_type='grayscale')(dict(img_path=path))['img']
    assert gray.shape == (375, 500)
    pil = LoadImageFromFile(imdecode_backend='pillow')(dict(img_path=path))['img']
    assert pil.shape == full.shape and np.abs(pil.astype(int) - full.astype(int)).mean() < 2


def test_missing_file_and_ignore_empty(tmp_path):
    with pytest.raises(FileNotFoundError):
        LoadImageFromFile()(dict(img_path=tmp_path / 'none.jpg'))
    assert LoadImageFromFile(ignore_empty=True)(dict(img_path=tmp_path / 'none.jpg')) is None
    with pytest.raises(KeyError, match='img_path'):
        LoadImageFromFile()(dict(gt_label=0))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='color_type'):
        LoadImageFromFile(color_type='rgb')
    with pytest.raises(ValueError, match='imdecode_backend'):
        LoadImageFromFile(imdecode_backend='turbojpeg')
    with pytest.raises(ValueError, match='file_client_args'):
        LoadImageFromFile(file_client_args=dict(backend='petrel'))
    LoadImageFromFile(file_client_args=dict(backend='disk'))


def test_array_already_present(photo):
    results = LoadImageFromFile()(dict(img=photo, img_path=None))
    assert results['img'] is photo and results['img_shape'] == (375, 500)
    results = LoadImageFromNDArray(to_float32=True)(dict(img=photo))
    assert results['img'].dtype == np.float32 and results['img_path'] is None
    with pytest.raises(KeyError, match='ndarray'):
        LoadImageFromNDArray()(dict(img='x.jpg'))


def test_deferred_decode_only_inside_compose(jpeg_file):
    path, _ = jpeg_file(900, 1200)
    default = LoadImageFromFile().load(dict(img_path=path), defer_decode=True)
    assert isinstance(default['img'], np.ndarray)  # reduced decoding is opt-in
    loader = LoadImageFromFile(reduced_decode=True)
    lazy = loader.load(dict(img_path=path), defer_decode=True)
    assert isinstance(lazy['img'], LazyImage)
    assert lazy['img_shape'] == lazy['ori_shape'] == (900, 1200)
    assert isinstance(loader(dict(img_path=path))['img'], np.ndarray)
    assert not LoadImageFromFile(to_float32=True).can_defer_decode
    assert not LoadImageFromNDArray().can_defer_decode
    pipeline = Compose([dict(type='LoadImageFromNDArray'), dict(type='ResizeEdge', scale=10)])
    assert pipeline._defer == [False, False]


def test_registered_and_repr():
    transform = TRANSFORMS.build(dict(type='LoadImageFromFile', imdecode_backend='pillow'))
    assert "imdecode_backend='pillow'" in repr(transform)
    assert TRANSFORMS.get('LoadImageFromNDArray') is LoadImageFromNDArray
    assert isinstance(Compose([dict(type='LoadImageFromFile')]).transforms[0], LoadImageFromFile)
