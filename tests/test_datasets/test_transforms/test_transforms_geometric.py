"""Geometric transforms: sizes, offsets, randomness and keys."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from mmcls.datasets.transforms import (CenterCrop, Compose, EfficientNetCenterCrop,
                                       EfficientNetRandomCrop, Pad, RandomChoiceResize,
                                       RandomCrop, RandomFlip, RandomResize, RandomResizedCrop,
                                       Resize, ResizeEdge)
from mmcls.registry import TRANSFORMS


def _results(img):
    return dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])


@pytest.mark.parametrize('edge,expected', [('short', (256, 341)), ('long', (192, 256)),
                                           ('width', (192, 256)), ('height', (256, 341))])
def test_resize_edge_500x375(photo, edge, expected):
    results = ResizeEdge(256, edge=edge)(_results(photo))
    assert results['img'].shape == (*expected, 3)
    assert results['img_shape'] == expected
    assert results['scale'] == expected[::-1]
    assert results['scale_factor'] == (expected[1] / 500, expected[0] / 375)


def test_resize_edge_portrait_and_errors(photo):
    portrait = np.ascontiguousarray(photo.transpose(1, 0, 2))  # 500 high, 375 wide
    assert ResizeEdge(256)(_results(portrait))['img'].shape == (341, 256, 3)
    with pytest.raises(ValueError, match='edge'):
        ResizeEdge(256, edge='diagonal')


def test_resize_scale_factor_keep_ratio(photo):
    results = Resize(scale=224)(_results(photo))
    assert results['img'].shape == (224, 224, 3) and results['keep_ratio'] is False
    np.testing.assert_array_equal(results['img'], cv2.resize(photo, (224, 224)))
    results = Resize(scale=(1000, 300), keep_ratio=True)(_results(photo))
    assert results['img'].shape == (300, 400, 3)
    assert results['scale_factor'] == (0.8, 0.8)
    assert Resize(scale_factor=0.5)(_results(photo))['img'].shape == (188, 250, 3)
    assert Resize(scale_factor=(2, 1))(_results(photo))['img'].shape == (375, 1000, 3)
    with pytest.raises(ValueError, match='exactly one'):
        Resize()
    with pytest.raises(ValueError, match='ResizeEdge'):
        Resize(scale=(256, -1))


def test_random_resize_and_choice(photo):
    np.random.seed(0)
    ratio = np.random.uniform(0.5, 2.0)
    np.random.seed(0)
    out = RandomResize(scale=(100, 50), ratio_range=(0.5, 2.0))(_results(photo))
    assert out['img'].shape[:2] == (int(50 * ratio), int(100 * ratio))
    out = RandomResize(scale=[(300, 100), (400, 200)], keep_ratio=True)(_results(photo))
    assert max(out['img'].shape[:2]) <= 400
    sizes = {RandomChoiceResize([(64, 32), (32, 16)])(_results(photo))['img'].shape[:2]
             for _ in range(20)}
    assert sizes == {(32, 64), (16, 32)}


def test_center_crop_offsets(photo):
    results = CenterCrop(crop_size=224)(_results(photo))
    # x1 = round((500 - 224) / 2) = 138, y1 = round((375 - 224) / 2) = round(75.5) = 76
    np.testing.assert_array_equal(results['img'], photo[76:300, 138:362])
    assert results['img_shape'] == (224, 224)
    resized = ResizeEdge(256)(_results(photo))
    cropped = CenterCrop(224)(dict(resized))  # 256x341: x1 = round(58.5) = 58, y1 = 16
    np.testing.assert_array_equal(cropped['img'], resized['img'][16:240, 58:282])
    rect = CenterCrop(crop_size=(100, 50))(_results(photo))['img']  # (w, h)
    assert rect.shape == (50, 100, 3)


def test_center_crop_small_image_clip_or_pad():
    img = np.full((10, 20, 3), 9, np.uint8)
    assert CenterCrop(16)(_results(img))['img'].shape == (10, 16, 3)
    padded = CenterCrop(16, auto_pad=True)(_results(img))
    assert padded['img'].shape == (16, 16, 3)
    assert padded['img'][-1, 0].tolist() == [0, 0, 0]  # Pad fills the bottom with 0


def test_random_crop_padding_and_determinism():
    img = np.arange(32 * 32 * 3, dtype=np.uint32).reshape(32, 32, 3).astype(np.uint8)
    transform = RandomCrop(crop_size=32, padding=4)
    np.random.seed(3)
    a = transform(_results(img))['img']
    np.random.seed(3)
    b = transform(_results(img))['img']
    assert a.shape == (32, 32, 3)
    np.testing.assert_array_equal(a, b)
    # the crop is a window of the zero-padded 40x40 image
    padded = np.pad(img, ((4, 4), (4, 4), (0, 0)))
    windows = [padded[y:y + 32, x:x + 32] for y in range(9) for x in range(9)]
    assert any(np.array_equal(a, w) for w in windows)
    small = RandomCrop(crop_size=(40, 20), pad_if_needed=True)(_results(img))['img']
    assert small.shape == (40, 20, 3)
    assert RandomCrop(crop_size=(40, 20))(_results(img))['img'].shape == (32, 20, 3)
    with pytest.raises(ValueError, match='padding_mode'):
        RandomCrop(8, padding_mode='wrap')


def test_random_resized_crop_shapes_seed_and_fallback(photo):
    transform = RandomResizedCrop(224)
    np.random.seed(0)
    params = transform.rand_crop_params(photo)
    np.random.seed(0)
    out = transform(_results(photo))
    offset_h, offset_w, h, w = params
    expected = cv2.resize(photo[offset_h:offset_h + h, offset_w:offset_w + w], (224, 224))
    np.testing.assert_array_equal(out['img'], expected)
    assert out['img_shape'] == (224, 224)
    for _ in range(50):
        offset_h, offset_w, h, w = transform.rand_crop_params(photo)
        assert 0 <= offset_h and offset_h + h <= 375 and 0 <= offset_w and offset_w + w <= 500
        assert 0.08 * 0.9 <= h * w / (375 * 500) <= 1.0
    # no attempts: central crop clipped to the aspect ratio range 500/375 = 1.333 -> whole image
    assert RandomResizedCrop(224, max_attempts=0).rand_crop_params(photo) == (0, 0, 375, 500)
    wide = np.zeros((100, 400, 3), np.uint8)
    assert RandomResizedCrop(32, max_attempts=0).rand_crop_params(wide) == (0, 133, 100, 133)
    assert RandomResizedCrop((20, 40))(_results(photo))['img'].shape == (20, 40, 3)
    with pytest.raises(ValueError, match='range'):
        RandomResizedCrop(224, crop_ratio_range=(1.0, 0.5))


def test_efficientnet_crops(photo):
    out = EfficientNetCenterCrop(224)(_results(photo))
    # crop = 224 / 256 * 375 = 328.125 -> 328 pixels at round((375 - 328.125) / 2) = 23
    left = int(round((500 - 328.125) / 2))
    expected = cv2.resize(photo[23:23 + 328, left:left + 328], (224, 224),
                          interpolation=cv2.INTER_CUBIC)
    np.testing.assert_array_equal(out['img'], expected)
    np.random.seed(1)
    transform = EfficientNetRandomCrop(224)
    for _ in range(20):
        offset_h, offset_w, h, w = transform.rand_crop_params(photo)
        assert offset_h + h <= 375 and offset_w + w <= 500 and h * w >= 0.08 * 375 * 500 - 1
    fallback = EfficientNetRandomCrop(224, max_attempts=0).rand_crop_params(photo)
    assert fallback == (23, left, 328, 328)
    assert transform(_results(photo))['img'].shape == (224, 224, 3)
    with pytest.raises(TypeError):
        EfficientNetRandomCrop((224, 224))


def test_random_flip_directions_and_probabilities():
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    expected = {'horizontal': img[:, ::-1], 'vertical': img[::-1], 'diagonal': img[::-1, ::-1]}
    for direction, flipped in expected.items():
        out = RandomFlip(prob=1.0, direction=direction)(_results(img))
        assert out['flip'] is True and out['flip_direction'] == direction
        np.testing.assert_array_equal(out['img'], flipped)
    out = RandomFlip(prob=0.0)(_results(img))
    assert out['flip'] is False and out['flip_direction'] is None and out['img'] is img
    np.random.seed(0)
    flip = RandomFlip(prob=[0.3, 0.5], direction=['horizontal', 'vertical'])
    counts = {}
    for _ in range(4000):
        direction = flip(_results(img))['flip_direction']
        counts[direction] = counts.get(direction, 0) + 1
    assert abs(counts['horizontal'] / 4000 - 0.3) < 0.03
    assert abs(counts['vertical'] / 4000 - 0.5) < 0.03
    assert abs(counts[None] / 4000 - 0.2) < 0.03
    with pytest.raises(ValueError, match='direction'):
        RandomFlip(prob=0.5, direction='sideways')
    with pytest.raises(ValueError, match='sum'):
        RandomFlip(prob=[0.7, 0.7], direction=['horizontal', 'vertical'])


def test_pad_variants():
    img = np.ones((5, 7, 3), np.uint8)
    out = Pad(size=(10, 6))(_results(img))
    assert out['img'].shape == (6, 10, 3) and out['pad_shape'] == (6, 10, 3)
    assert Pad(size_divisor=4)(_results(img))['img'].shape == (8, 8, 3)
    square = Pad(pad_to_square=True, pad_val=dict(img=7))(_results(img))['img']
    assert square.shape == (7, 7, 3) and square[-1, 0, 0] == 7
    with pytest.raises(ValueError):
        Pad()


def test_lazy_pipeline_matches_full_decode(jpeg_file):
    path, full = jpeg_file(1200, 1600, noise=1.0)
    pipeline = Compose([dict(type='LoadImageFromFile', reduced_decode=True),
                        dict(type='RandomResizedCrop', scale=224)])
    np.random.seed(5)
    crop = RandomResizedCrop(224).rand_crop_params(full)
    np.random.seed(5)
    lazy_out = pipeline(dict(img_path=path))
    offset_h, offset_w, h, w = crop
    expected = cv2.resize(full[offset_h:offset_h + h, offset_w:offset_w + w], (224, 224))
    assert lazy_out['img'].shape == (224, 224, 3) and lazy_out['ori_shape'] == (1200, 1600)
    assert np.abs(lazy_out['img'].astype(int) - expected.astype(int)).mean() < 2.0
    test_pipeline = Compose([dict(type='LoadImageFromFile', reduced_decode=True),
                             dict(type='ResizeEdge', scale=256),
                             dict(type='CenterCrop', crop_size=224)])
    out = test_pipeline(dict(img_path=path))
    expected = CenterCrop(224)(ResizeEdge(256)(_results(full)))['img']
    assert out['img'].shape == (224, 224, 3) and out['scale_factor'] == (341 / 1600, 256 / 1200)
    assert np.abs(out['img'].astype(int) - expected.astype(int)).mean() < 2.0


def test_reprs_and_registry():
    for cfg in [dict(type='Resize', scale=32), dict(type='ResizeEdge', scale=32),
                dict(type='CenterCrop', crop_size=32), dict(type='RandomCrop', crop_size=32),
                dict(type='RandomResizedCrop', scale=32), dict(type='RandomFlip', prob=0.5),
                dict(type='EfficientNetCenterCrop', crop_size=32),
                dict(type='EfficientNetRandomCrop', scale=32), dict(type='Pad', size=(4, 4))]:
        transform = TRANSFORMS.build(cfg)
        assert repr(transform).startswith(cfg['type'] + '(')


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
def test_lazy_pipeline_respects_exif_orientation(tmp_path, photo_maker, backend):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the decoded image is 1000 high, 600 wide
    buffer = io.BytesIO()
    Image.fromarray(photo_maker(600, 1000, noise=1.0)[..., ::-1]).save(
        buffer, 'JPEG', exif=exif.tobytes(), quality=95)
    path = tmp_path / 'rotated.jpg'
    path.write_bytes(buffer.getvalue())
    load = dict(type='LoadImageFromFile', imdecode_backend=backend)
    out = Compose([load, dict(type='ResizeEdge', scale=200)])(dict(img_path=path))
    full = Compose([load])(dict(img_path=path))['img']
    assert full.shape == (1000, 600, 3)
    assert out['ori_shape'] == (1000, 600) and out['img'].shape == (333, 200, 3)
    expected = cv2.resize(full, (200, 333))
    assert np.abs(out['img'].astype(int) - expected.astype(int)).mean() < 2.0


def test_old_import_paths_name_the_same_objects():
    """The classes moved from processing.py and the helpers to image_geometry.py; old paths work."""
    from mmcls.datasets import transforms
    from mmcls.datasets.transforms import geometric, image_geometry, processing
    for name in geometric.__all__:
        assert getattr(processing, name) is getattr(transforms, name) is TRANSFORMS.get(name)
    for name in image_geometry.__all__:
        assert getattr(geometric, name) is getattr(image_geometry, name)
    assert len(transforms.__all__) == len(set(transforms.__all__))
