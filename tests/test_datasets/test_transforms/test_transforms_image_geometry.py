"""Geometric helpers against hand-computed results and independent numpy/PIL code."""
import cv2
import numpy as np
import pytest
from PIL import Image

from mmcls.datasets.transforms.image_geometry import (choose_reduction, crop_and_resize,
                                                      imcrop, imflip, impad, impad_to_multiple,
                                                      imrescale, imresize, imrotate, imshear,
                                                      imtranslate, rescale_size, scale_size)
from mmcls.datasets.transforms.image_io import LazyImage


def test_imresize_sizes_scales_and_backends(photo):
    out, w_scale, h_scale = imresize(photo, (250, 100), return_scale=True)
    assert out.shape == (100, 250, 3) and (w_scale, h_scale) == (0.5, 100 / 375)
    pil = imresize(photo, (250, 100), backend='pillow')
    expected = np.asarray(Image.fromarray(photo).resize((250, 100), Image.BILINEAR))
    np.testing.assert_array_equal(pil, expected)
    for backend in ('cv2', 'pillow'):
        assert imresize(photo[..., :1], (20, 10), backend=backend).shape == (10, 20, 1)
    with pytest.raises(ValueError, match='interpolation'):
        imresize(photo, (10, 10), interpolation='box')
    with pytest.raises(ValueError, match='backend'):
        imresize(photo, (10, 10), backend='skimage')


def test_rescale_size_rules():
    assert scale_size((500, 375), 0.5) == (250, 188)
    assert rescale_size((500, 375), 2.0) == (1000, 750)
    # (long, short) limits in either order: fit 500x375 inside long<=1333, short<=800
    assert rescale_size((500, 375), (1333, 800)) == (1067, 800)
    assert rescale_size((500, 375), (800, 1333)) == (1067, 800)
    size, factor = rescale_size((500, 375), (100, 100), return_scale=True)
    assert size == (100, 75) and factor == pytest.approx(0.2)
    assert imrescale(np.zeros((375, 500, 3), np.uint8), 0.5).shape == (188, 250, 3)


def test_imcrop_inclusive_and_clipped(photo):
    crop = imcrop(photo, (10, 20, 29, 59))
    np.testing.assert_array_equal(crop, photo[20:60, 10:30])
    assert imcrop(photo, (-5, -5, 1000, 1000)).shape == photo.shape


def test_impad_modes_and_errors():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(impad(img, padding=(1, 0, 0, 0), padding_mode='edge')[:, 0],
                                  img[:, 0])
    np.testing.assert_array_equal(
        impad(img[:1, :], padding=(2, 0, 2, 0), padding_mode='reflect')[0],
        np.pad(img[0], 2, mode='reflect'))
    np.testing.assert_array_equal(
        impad(img[:1, :], padding=(2, 0, 2, 0), padding_mode='symmetric')[0],
        np.pad(img[0], 2, mode='symmetric'))
    padded = impad(np.zeros((2, 2, 3), np.uint8), shape=(4, 5), pad_val=(1, 2, 3))
    assert padded.shape == (4, 5, 3) and padded[3, 4].tolist() == [1, 2, 3]
    assert padded[:2, :2].sum() == 0
    assert impad_to_multiple(np.zeros((5, 7, 3), np.uint8), 4).shape == (8, 8, 3)
    gray = impad(np.zeros((2, 2), np.uint8), padding=1, pad_val=(104, 116, 124))
    assert gray[0, 0] == 104  # a BGR pad value on a greyscale image uses its first entry
    with pytest.raises(ValueError, match='entries'):
        impad(np.zeros((2, 2, 3), np.uint8), padding=1, pad_val=(1, 2))
    with pytest.raises(ValueError, match='exactly one'):
        impad(img)
    with pytest.raises(ValueError, match='negative'):
        impad(img, shape=(2, 2))


def test_imflip_directions():
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    np.testing.assert_array_equal(imflip(img, 'horizontal'), img[:, ::-1])
    np.testing.assert_array_equal(imflip(img, 'vertical'), img[::-1])
    np.testing.assert_array_equal(imflip(img, 'diagonal'), img[::-1, ::-1])
    assert imflip(img[..., :1], 'horizontal').shape == (2, 4, 1)
    with pytest.raises(ValueError, match='direction'):
        imflip(img, 'up')


def test_rotate_shear_translate_geometry():
    img = np.zeros((9, 9), np.uint8)
    img[0, 4] = 255  # a dot at the top centre
    rotated = imrotate(img, 90, interpolation='nearest')  # clockwise: top -> right
    assert rotated[4, 8] == 255 and rotated.sum() == 255
    moved = imtranslate(img, 2, 'horizontal', interpolation='nearest')
    assert moved[0, 6] == 255
    moved = imtranslate(img, -1, 'vertical', border_value=7, interpolation='nearest')
    assert moved[8, 0] == 7  # the uncovered bottom row gets the border value
    dot = np.zeros((9, 9), np.uint8)
    dot[4, 2] = 255
    sheared = imshear(dot, 0.5, 'horizontal', interpolation='nearest')  # x' = x + 0.5 * y
    assert sheared[4, 4] == 255
    sheared = imshear(dot, 1.0, 'vertical', interpolation='nearest')  # y' = y + x
    assert sheared[6, 2] == 255
    with pytest.raises(ValueError, match='direction'):
        imshear(dot, 0.1, 'diagonal')


def test_choose_reduction():
    assert choose_reduction(1800, 1400, 224, 224) == 4
    assert choose_reduction(500, 375, 224, 224) == 1
    assert choose_reduction(448, 448, 224, 224) == 2
    assert choose_reduction(4000, 4000, 224, 224) == 8


@pytest.mark.parametrize('interpolation', ['bilinear', 'bicubic', 'lanczos'])
@pytest.mark.parametrize('box', [(0, 0, 1600, 1200), (103, 61, 1333, 1017), (900, 500, 460, 470)])
def test_crop_and_resize_reduced_decode_matches_full(jpeg_file, interpolation, box):
    # real photos are smooth at this scale; pixel noise would only measure aliasing
    path, full = jpeg_file(1200, 1600, quality=95, noise=1.0)
    expected = crop_and_resize(full, box, (224, 200), interpolation)
    lazy = LazyImage(path.read_bytes(), 1600, 1200)
    reduced = crop_and_resize(lazy, box, (224, 200), interpolation)
    assert lazy._full is None  # really decoded at reduced size
    assert reduced.shape == expected.shape == (200, 224, 3)
    diff = np.abs(reduced.astype(int) - expected.astype(int))
    assert diff.mean() < 2.0 and np.percentile(diff, 99) <= 12


def test_crop_and_resize_falls_back_to_full_decode(jpeg_file):
    path, full = jpeg_file(375, 500)
    lazy = LazyImage(path.read_bytes(), 500, 375)
    out = crop_and_resize(lazy, (10, 20, 300, 250), (224, 224))
    np.testing.assert_array_equal(out, cv2.resize(full[20:270, 10:310], (224, 224)))
    assert lazy._full is not None
