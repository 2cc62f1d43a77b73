"""Compose, RandomApply, RandomChoice, KeyMapper, TransformBroadcaster."""
import numpy as np
import pytest

from mmcls.datasets.transforms import (BaseTransform, Compose, KeyMapper, RandomApply,
                                       RandomChoice, RandomCrop, TransformBroadcaster,
                                       cache_random_params)
from mmcls.datasets.transforms.image_io import LazyImage
from mmcls.registry import TRANSFORMS


class AddOne(BaseTransform):
    def transform(self, results):
        results['value'] = results.get('value', 0) + 1
        return results


class Drop(BaseTransform):
    def transform(self, results):
        return None


class SeesImage(BaseTransform):
    """A user transform that records what type of image it received."""

    def transform(self, results):
        results['seen'] = type(results['img'])
        return results


def test_compose_order_none_and_callables():
    pipeline = Compose([AddOne(), lambda r: {**r, 'value': r['value'] * 10}, AddOne()])
    assert pipeline(dict())['value'] == 11
    assert Compose([AddOne(), Drop(), AddOne()])(dict()) is None
    assert Compose(None)(dict(a=1)) == dict(a=1)
    assert len(Compose(AddOne())) == 1
    with pytest.raises(TypeError, match='config dict or a callable'):
        Compose([3])
    assert 'AddOne()' in repr(Compose([AddOne()]))


def test_compose_decodes_for_user_transforms(jpeg_file):
    path, full = jpeg_file(900, 1200)
    pipeline = Compose([dict(type='LoadImageFromFile', reduced_decode=True), SeesImage()])
    out = pipeline(dict(img_path=path))
    assert out['seen'] is np.ndarray
    # a lazy-aware follower gets the LazyImage; the pipeline output is always an array
    lazy_pipeline = Compose([dict(type='LoadImageFromFile', reduced_decode=True),
                             dict(type='ResizeEdge', scale=100)])
    assert lazy_pipeline._defer == [True, False]
    assert Compose([dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=100)]
                   )._defer == [False, False]  # off by default
    assert isinstance(lazy_pipeline(dict(img_path=path))['img'], np.ndarray)
    choice = Compose([dict(type='LoadImageFromFile', reduced_decode=True),
                      dict(type='RandomChoiceResize', scales=[(300, 200)])])
    assert choice._defer == [True, False]
    assert choice(dict(img_path=path))['img'].shape == (200, 300, 3)
    tail = Compose([dict(type='LoadImageFromFile')])
    assert tail._defer == [False]
    results = dict(img=LazyImage(path.read_bytes(), 1200, 900))
    np.testing.assert_array_equal(Compose([SeesImage()])(results)['img'], full)


def test_random_apply_probability():
    np.random.seed(0)
    transform = RandomApply([AddOne()], prob=0.3)
    hits = sum(transform(dict()).get('value', 0) for _ in range(2000))
    assert abs(hits / 2000 - 0.3) < 0.04
    assert RandomApply(AddOne(), prob=1.)(dict())['value'] == 1
    with pytest.raises(ValueError, match='prob'):
        RandomApply([AddOne()], prob=1.5)


def test_random_choice_probabilities():
    np.random.seed(0)
    transform = RandomChoice([[AddOne()], [AddOne(), AddOne()]], prob=[0.25, 0.75])
    values = [transform(dict())['value'] for _ in range(2000)]
    assert abs(values.count(1) / 2000 - 0.25) < 0.04
    uniform = RandomChoice([[AddOne()], [AddOne(), AddOne()]])
    values = [uniform(dict())['value'] for _ in range(2000)]
    assert abs(values.count(1) / 2000 - 0.5) < 0.05
    with pytest.raises(ValueError, match='sum to 1'):
        RandomChoice([[AddOne()], [AddOne()]], prob=[0.5, 0.6])


def test_key_mapper_maps_and_remaps():
    def double_img(results):
        results['img'] = results['img'] * 2
        results['extra'] = 'x'
        return results

    mapper = KeyMapper([double_img], mapping={'img': 'gt_img'})
    out = mapper(dict(img=np.ones(2), gt_img=np.full(2, 3)))
    np.testing.assert_array_equal(out['img'], np.ones(2))
    np.testing.assert_array_equal(out['gt_img'], np.full(2, 6))
    assert out['extra'] == 'x'
    with pytest.raises(KeyError, match='gt_img'):
        mapper(dict(img=np.ones(2)))
    tolerant = KeyMapper([AddOne()], mapping={'img': 'gt_img'}, allow_nonexist_keys=True)
    assert tolerant(dict(value=1))['value'] == 2
    hidden = KeyMapper([lambda r: {**r, 'has_img': 'img' in r}], mapping={'img': ...})
    assert hidden(dict(img=1))['has_img'] is False
    explicit = KeyMapper([double_img], mapping={'img': 'a'}, remapping={'img': 'b'})
    out = explicit(dict(a=np.ones(1)))
    assert out['b'].tolist() == [2.] and out['a'].tolist() == [1.]
    with pytest.raises(ValueError, match='auto_remap'):
        KeyMapper([AddOne()], mapping={}, remapping={}, auto_remap=True)


def test_transform_broadcaster_shares_random_params():
    img = np.arange(16 * 16 * 3, dtype=np.uint32).reshape(16, 16, 3).astype(np.uint8)
    shared = TransformBroadcaster([RandomCrop(crop_size=8)], mapping={'img': ['img', 'img2']},
                                  share_random_params=True)
    for _ in range(10):
        out = shared(dict(img=img, img2=img.copy()))
        assert out['img'].shape == (8, 8, 3)
        np.testing.assert_array_equal(out['img'], out['img2'])
    independent = TransformBroadcaster([RandomCrop(crop_size=8)],
                                       mapping={'img': ['img', 'img2']})
    np.random.seed(0)
    differ = [not np.array_equal(o['img'], o['img2'])
              for o in (independent(dict(img=img, img2=img.copy())) for _ in range(10))]
    assert any(differ)


def test_cache_random_params_context():
    crop = RandomCrop(4)
    img = np.random.randint(0, 255, (12, 12, 3), np.uint8)
    with cache_random_params([crop]):
        first = crop.rand_crop_params(img)
        assert all(crop.rand_crop_params(img) == first for _ in range(5))
    assert len({crop.rand_crop_params(img) for _ in range(30)}) > 1


def test_wrappers_build_from_config():
    cfg = dict(type='RandomApply', transforms=[dict(type='RandomFlip', prob=1.)], prob=1.)
    out = TRANSFORMS.build(cfg)(dict(img=np.eye(3, dtype=np.uint8)))
    np.testing.assert_array_equal(out['img'], np.eye(3, dtype=np.uint8)[:, ::-1])
