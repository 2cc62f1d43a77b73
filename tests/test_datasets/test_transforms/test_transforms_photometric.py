"""Photometric helpers compared with PIL's ImageEnhance/ImageOps and numpy."""
import cv2
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from mmcls.datasets.transforms import photometric as P


def _pil(img_bgr):
    return Image.fromarray(np.ascontiguousarray(img_bgr[..., ::-1]))


def _bgr(pil):
    return np.asarray(pil)[..., ::-1]


def _close(a, b, mean=1.0, peak=3):
    diff = np.abs(a.astype(int) - b.astype(int))
    assert diff.mean() <= mean and diff.max() <= peak, (diff.mean(), diff.max())


@pytest.fixture
def small(photo):
    return np.ascontiguousarray(photo[100:164, 200:280])


@pytest.mark.parametrize('factor', [0.0, 0.4, 1.0, 1.7])
def test_brightness_color_contrast_follow_pil(small, factor):
    _close(P.adjust_brightness(small, factor), _bgr(ImageEnhance.Brightness(_pil(small))
                                                    .enhance(factor)))
    _close(P.adjust_color(small, factor), _bgr(ImageEnhance.Color(_pil(small)).enhance(factor)))
    _close(P.adjust_contrast(small, factor), _bgr(ImageEnhance.Contrast(_pil(small))
                                                  .enhance(factor)))


def test_brightness_exact_formula(small):
    expected = np.clip(small.astype(np.float32) * 1.3, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(P.adjust_brightness(small, 1.3), expected)


def test_sharpness_interior_follows_pil(small):
    ours = P.adjust_sharpness(small, 1.8)
    pil = _bgr(ImageEnhance.Sharpness(_pil(small)).enhance(1.8))
    _close(ours[1:-1, 1:-1], pil[1:-1, 1:-1])  # PIL leaves the 1-pixel border untouched
    np.testing.assert_array_equal(P.adjust_sharpness(small, 1.0), small)


def test_equalize_autocontrast_invert_solarize_posterize_match_pil(small):
    low_contrast = (small // 3 + 60).astype(np.uint8)
    np.testing.assert_array_equal(P.imequalize(low_contrast),
                                  _bgr(ImageOps.equalize(_pil(low_contrast))))
    np.testing.assert_array_equal(P.auto_contrast(low_contrast),
                                  _bgr(ImageOps.autocontrast(_pil(low_contrast))))
    np.testing.assert_array_equal(P.iminvert(small), 255 - small)
    np.testing.assert_array_equal(P.solarize(small, 100),
                                  _bgr(ImageOps.solarize(_pil(small), 100)))
    np.testing.assert_array_equal(P.posterize(small, 3), _bgr(ImageOps.posterize(_pil(small), 3)))
    assert P.posterize(small, 0).max() == 0


def test_solarize_add():
    img = np.array([[0, 100, 127, 128, 250]], np.uint8)
    np.testing.assert_array_equal(P.solarize_add(img, 110), [[110, 210, 237, 128, 250]])
    np.testing.assert_array_equal(P.solarize_add(img, 200), [[200, 255, 255, 128, 250]])


def test_adjust_hue_rotates_primaries():
    red = np.zeros((1, 1, 3), np.uint8)
    red[..., 2] = 255
    green = P.adjust_hue(red, 1 / 3)
    assert green[0, 0, 1] > 240 and green[0, 0, 2] < 15
    np.testing.assert_array_equal(P.adjust_hue(red, 0.0), red)
    with pytest.raises(ValueError):
        P.adjust_hue(red, 0.7)


def test_lighting_adds_pca_shift_and_clips():
    img = np.full((2, 2, 3), 100, np.uint8)
    eigval = np.array([1., 2., 3.])
    eigvec = np.eye(3)
    out = P.adjust_lighting(img, eigval, eigvec, alpha=np.array([10., 5., -40.]))
    np.testing.assert_array_equal(out[0, 0], [110, 110, 0])
    out_rgb = P.adjust_lighting(img, eigval, eigvec, alpha=np.zeros(3), to_rgb=True)
    np.testing.assert_array_equal(out_rgb, img)


def test_cutout_box_and_fill():
    assert P.cutout_box((10, 20), 4, (10.0, 5.0)) == (8, 3, 12, 7)
    assert P.cutout_box((10, 20), (2, 6), (0.5, 9.5)) == (0, 8, 6, 10)
    img = np.zeros((4, 4, 3), np.uint8)
    out = P.fill_box(img, (1, 1, 3, 2), (1, 2, 3))
    assert out[1, 1].tolist() == [1, 2, 3] and out[2, 1].sum() == 0 and img.sum() == 0
    assert cv2.countNonZero(out[..., 0]) == 2
