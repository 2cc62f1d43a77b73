"""AutoAugment/RandAugment presets and every op at a fixed magnitude."""
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from mmcls.datasets.transforms import (AUTOAUG_POLICIES, RANDAUG_POLICIES, AutoAugment,
                                       AutoContrast, Brightness, ColorTransform, Contrast, Cutout,
                                       Equalize, GaussianBlur, Invert, Posterize, RandAugment,
                                       Rotate, Sharpness, Shear, Solarize, SolarizeAdd, Translate)
from mmcls.registry import TRANSFORMS


@pytest.fixture
def img(photo):
    return np.ascontiguousarray(photo[:48, :64])


def _pil(img):
    return Image.fromarray(np.ascontiguousarray(img[..., ::-1]))


def _bgr(pil):
    return np.asarray(pil)[..., ::-1]


def _run(op, img):
    return op(dict(img=img.copy()))['img']


def _diff(a, b):
    return np.abs(a.astype(int) - b.astype(int))


def test_shear_matches_numpy_nearest(img):
    m = 0.2
    out = _run(Shear(magnitude=m, prob=1., random_negative_prob=0., interpolation='nearest'), img)
    h, w = img.shape[:2]
    expected = np.full_like(img, 128)
    for y in range(h):
        for x in range(w):
            src = int(np.floor(x - m * y + 0.5))
            if 0 <= src < w:
                expected[y, x] = img[y, src]
    np.testing.assert_array_equal(out, expected)
    negative = _run(Shear(magnitude=m, prob=1., random_negative_prob=1.,
                          interpolation='nearest', direction='vertical'), img)
    # y' = y - 0.2 x: the bottom-right pixel would come from below the image
    assert negative[h - 1, w - 1].tolist() == [128, 128, 128]
    assert negative[0, w - 1].tolist() == img[int(np.floor(0.2 * (w - 1) + 0.5)), w - 1].tolist()


def test_translate_and_rotate_exact(img):
    out = _run(Translate(magnitude=0.25, prob=1., random_negative_prob=0.), img)
    np.testing.assert_array_equal(out[:, 16:], img[:, :-16])
    assert (out[:, :16] == 128).all()
    out = _run(Translate(magnitude=0.25, prob=1., random_negative_prob=0., direction='vertical',
                         pad_val=(1, 2, 3)), img)
    np.testing.assert_array_equal(out[12:], img[:-12])
    assert out[0, 0].tolist() == [1, 2, 3]
    square = np.ascontiguousarray(img[:32, :32])
    out = _run(Rotate(angle=90., prob=1., random_negative_prob=0.), square)
    np.testing.assert_array_equal(out, np.rot90(square, k=-1))  # positive angle: clockwise


@pytest.mark.parametrize('op,pil_op', [
    (AutoContrast(prob=1.), ImageOps.autocontrast),
    (Equalize(prob=1.), ImageOps.equalize),
    (Invert(prob=1.), ImageOps.invert),
    (Solarize(thr=100, prob=1.), lambda p: ImageOps.solarize(p, 100)),
    (Posterize(bits=3, prob=1.), lambda p: ImageOps.posterize(p, 3)),
])
def test_pixel_ops_match_pil(img, op, pil_op):
    low_contrast = (img // 2 + 50).astype(np.uint8)
    np.testing.assert_array_equal(_run(op, low_contrast), _bgr(pil_op(_pil(low_contrast))))


@pytest.mark.parametrize('op_cls,enhancer', [(Brightness, ImageEnhance.Brightness),
                                             (Contrast, ImageEnhance.Contrast),
                                             (ColorTransform, ImageEnhance.Color),
                                             (Sharpness, ImageEnhance.Sharpness)])
@pytest.mark.parametrize('magnitude', [0.5, -0.3])
def test_enhance_ops_match_pil(img, op_cls, enhancer, magnitude):
    out = _run(op_cls(magnitude=magnitude, prob=1., random_negative_prob=0.), img)
    expected = _bgr(enhancer(_pil(img)).enhance(1 + magnitude))
    diff = _diff(out, expected)[1:-1, 1:-1]  # PIL's sharpness keeps the border pixels
    assert diff.mean() <= 1.0 and diff.max() <= 3


def test_solarize_add_and_cutout(img):
    out = _run(SolarizeAdd(magnitude=50, prob=1.), img)
    expected = np.where(img < 128, np.minimum(img.astype(int) + 50, 255), img)
    np.testing.assert_array_equal(out, expected)
    np.random.seed(4)
    np.random.rand()
    cy, cx = np.random.uniform(48), np.random.uniform(64)
    np.random.seed(4)
    out = _run(Cutout(shape=10, pad_val=0, prob=1.), img)
    x1, y1 = int(max(0, cx - 5)), int(max(0, cy - 5))
    expected = img.copy()
    expected[y1:y1 + 10, x1:x1 + 10] = 0
    np.testing.assert_array_equal(out, expected)


def test_gaussian_blur_close_to_pil(img):
    out = _run(GaussianBlur(radius=2., prob=1.), img)
    expected = _bgr(_pil(img).filter(ImageFilter.GaussianBlur(2)))
    assert _diff(out, expected)[4:-4, 4:-4].mean() < 2.0


def test_prob_and_random_negative(img):
    assert _run(Brightness(magnitude=0.5, prob=0.), img).tolist() == img.tolist()
    np.random.seed(0)
    signs = [Rotate(angle=10., prob=1.).random_negative(10.) for _ in range(400)]
    assert 0.4 < np.mean(np.array(signs) < 0) < 0.6
    with pytest.raises(ValueError, match='exactly one'):
        Rotate(prob=1.)
    with pytest.raises(ValueError, match='exactly one'):
        Shear(magnitude=0.1, magnitude_range=(0, 0.3))


def test_magnitude_range_mapping():
    assert Rotate(magnitude_range=(0, 30), magnitude_level=6).random_magnitude() == \
        pytest.approx(18.)
    assert Posterize(magnitude_range=(4, 0), magnitude_level=6).random_magnitude() == \
        pytest.approx(1.6)
    assert Solarize(magnitude_range=(256, 0), magnitude_level=10).random_magnitude() == 0
    np.random.seed(0)
    noisy = [Brightness(magnitude_range=(0, 0.9), magnitude_level=5, magnitude_std=0.5)
             .random_magnitude() for _ in range(200)]
    assert 0.4 < np.mean(noisy) < 0.5 and np.std(noisy) > 0.02
    uniform = [Brightness(magnitude_range=(0, 0.9), magnitude_level=10, magnitude_std='inf')
               .random_magnitude() for _ in range(200)]
    assert min(uniform) >= 0 and max(uniform) <= 0.9 and np.std(uniform) > 0.2


def test_posterize_rounds_drawn_bits_up(img):
    out = _run(Posterize(magnitude_range=(4, 0), magnitude_level=6, prob=1.), img)  # 1.6 -> 2
    np.testing.assert_array_equal(out, img & 0b11000000)


def test_imagenet_autoaugment_preset():
    policies = AUTOAUG_POLICIES['imagenet']
    assert len(policies) == 25 and all(len(sub) == 2 for sub in policies)
    assert policies[0] == [dict(type='Posterize', bits=4, prob=0.4),
                           dict(type='Rotate', angle=30., prob=0.6)]
    transform = AutoAugment('imagenet')
    assert transform.policies[0][1]['pad_val'] == 128  # hparams merged where accepted
    assert 'pad_val' not in transform.policies[0][0]
    assert AUTOAUG_POLICIES['imagenet'][0][1] == dict(type='Rotate', angle=30., prob=0.6)
    with pytest.raises(ValueError, match='imagenet'):
        AutoAugment('cifar')


def test_autoaugment_applies_one_subpolicy(img):
    transform = AutoAugment([[dict(type='Invert', prob=1.)], [dict(type='Equalize', prob=1.)]])
    outputs = {_run(transform, img).tobytes() for _ in range(30)}
    assert outputs == {(255 - img).tobytes(), _bgr(ImageOps.equalize(_pil(img))).tobytes()}


def test_randaugment_timm_increasing(img):
    assert [p['type'] for p in RANDAUG_POLICIES['timm_increasing']][:4] == [
        'AutoContrast', 'Equalize', 'Invert', 'Rotate']
    transform = RandAugment('timm_increasing', num_policies=2, magnitude_level=9,
                            magnitude_std=0.5)
    assert len(transform.transforms) == 15
    rotate = transform.transforms[3]
    assert rotate.magnitude_level == 9 and rotate.magnitude_std == 0.5 and rotate.pad_val == 128
    assert transform.transforms[0].magnitude_range is None
    np.random.seed(0)
    a = _run(transform, img)
    np.random.seed(0)
    b = _run(transform, img)
    np.testing.assert_array_equal(a, b)
    assert a.shape == img.shape and a.dtype == np.uint8
    np.random.seed(1)
    assert len(transform.random_policy_indices()) == 2
    with pytest.raises(ValueError, match='magnitude_std'):
        RandAugment('timm_increasing', 2, 9, magnitude_std='normal')


def test_registered_with_reprs():
    for name in ('Shear', 'Translate', 'Rotate', 'AutoContrast', 'Invert', 'Equalize',
                 'Solarize', 'SolarizeAdd', 'Posterize', 'Contrast', 'ColorTransform',
                 'Brightness', 'Sharpness', 'Cutout', 'GaussianBlur', 'AutoAugment',
                 'RandAugment'):
        assert name in TRANSFORMS
    assert 'magnitude_range=(0, 30)' in repr(Rotate(magnitude_range=(0, 30)))
    assert repr(RandAugment('timm_increasing', 2, 6)).startswith('RandAugment(num_policies=2')
