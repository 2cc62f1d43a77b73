"""Colour and erasing transforms."""
import numpy as np
import pytest

from mmcls.datasets.transforms import (ColorJitter, Lighting, Normalize, RandomErasing,
                                       RandomGrayscale)
from mmcls.datasets.transforms.photometric import adjust_brightness, adjust_contrast


def test_color_jitter_draws_in_range_and_is_seeded(photo):
    transform = ColorJitter(brightness=0.5)
    assert transform.brightness == (0.5, 1.5) and transform.hue is None
    np.random.seed(0)
    np.random.permutation(4)
    factor = np.random.uniform(0.5, 1.5)
    np.random.seed(0)
    out = transform(dict(img=photo))['img']
    np.testing.assert_array_equal(out, adjust_brightness(photo, factor))
    np.testing.assert_array_equal(ColorJitter()(dict(img=photo))['img'], photo)


def test_color_jitter_ranges_and_validation(photo):
    transform = ColorJitter(contrast=(0.9, 0.9))
    np.testing.assert_array_equal(transform(dict(img=photo))['img'], adjust_contrast(photo, 0.9))
    with pytest.warns(UserWarning, match='hue'):
        assert ColorJitter(hue=(-0.8, 0.3)).hue == (-0.5, 0.3)
    with pytest.raises(ValueError, match='non negative'):
        ColorJitter(brightness=-1)
    with pytest.raises(TypeError, match='saturation'):
        ColorJitter(saturation=(1, 2, 3))
    out = ColorJitter(0.4, 0.4, 0.4, 0.1)(dict(img=photo))['img']
    assert out.shape == photo.shape and out.dtype == np.uint8


def test_lighting_matches_numpy(photo):
    eigval = [55.46, 4.794, 1.148]
    eigvec = [[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140], [-0.5836, -0.6948, 0.4203]]
    np.random.seed(0)
    alpha = np.random.normal(0, 0.1, 3)
    np.random.seed(0)
    out = Lighting(eigval, eigvec)(dict(img=photo))['img']
    shift = np.array(eigvec) @ (alpha * np.array(eigval))
    expected = np.clip(photo.astype(np.float64) + shift, 0, 255).astype(np.uint8)
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1
    with pytest.raises(TypeError, match='alphastd'):
        Lighting(eigval, eigvec, alphastd=1)


def test_random_erasing_const_rand_and_disabled(photo):
    np.random.seed(0)
    out = RandomErasing(erase_prob=1., mode='const', fill_color=(1, 2, 3))(dict(img=photo))
    erased = np.all(out['img'] == (1, 2, 3), axis=-1)
    area = erased.sum() / erased.size
    assert 0.02 <= area <= 0.41
    ys, xs = np.nonzero(erased)
    assert erased[ys.min():ys.max() + 1, xs.min():xs.max() + 1].all()  # one rectangle
    assert photo[ys[0], xs[0]].tolist() != [1, 2, 3]  # the input was not modified
    np.random.seed(1)
    rand = RandomErasing(erase_prob=1., mode='rand', fill_std=5, fill_color=100)(
        dict(img=photo))['img']
    changed = np.any(rand != photo, axis=-1)
    assert abs(rand[changed].astype(float).mean() - 100) < 2
    untouched = RandomErasing(erase_prob=0.)(dict(img=photo))['img']
    assert untouched is photo
    with pytest.raises(ValueError, match='mode'):
        RandomErasing(mode='zero')
    assert RandomErasing(aspect_range=3.).aspect_range == pytest.approx((1 / 3, 3))


def test_random_grayscale(photo):
    out = RandomGrayscale(prob=1.)(dict(img=photo))['img']
    expected = np.round(photo.astype(np.float64).mean(axis=-1))
    assert out.shape == photo.shape and np.all(out[..., 0] == out[..., 2])
    assert np.abs(out[..., 0] - expected).max() <= 1
    single = RandomGrayscale(prob=1., keep_channels=False, channel_weights=(0, 0, 1))(
        dict(img=photo))['img']
    np.testing.assert_array_equal(single, photo[..., 2])
    assert RandomGrayscale(prob=0.)(dict(img=photo))['img'] is photo


def test_normalize(photo):
    out = Normalize(mean=[1, 2, 3], std=[2, 2, 2], to_rgb=True)(dict(img=photo))
    np.testing.assert_allclose(out['img'][..., 0], (photo[..., 2] - 1.) / 2)
    assert out['img'].dtype == np.float32 and out['img_norm_cfg']['to_rgb'] is True


def test_random_erasing_takes_float_ratios_and_keeps_colors_as_given():
    """Probabilities and area ratios must be floats (``1`` is rejected, as in rc6); the
    fill colour keeps the type it was given, so the repr shows it unchanged."""
    for name in ('erase_prob', 'min_area_ratio', 'max_area_ratio'):
        with pytest.raises(TypeError, match=f'{name} must be a float'):
            RandomErasing(**{name: 1})
    erasing = RandomErasing(erase_prob=0.5, mode='const', aspect_range=(0.3, 1.3),
                            fill_color=(255, 255, 255))
    assert repr(erasing) == ('RandomErasing(erase_prob=0.5, min_area_ratio=0.02, '
                             'max_area_ratio=0.4, aspect_range=(0.3, 1.3), mode=const, '
                             'fill_color=(255, 255, 255), fill_std=None)')
    assert RandomErasing(fill_color=7).fill_color == [7, 7, 7]
