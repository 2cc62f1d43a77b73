"""The zoo's default train/test pipelines, bit for bit, and the opt-in reduced JPEG decode.

The references are written here with plain OpenCV/numpy calls following the
MMClassification conventions (bilinear ``cv2.resize``, Python-rounded centre
offsets, ``[:, ::-1]`` flips, CHW uint8 packing), so any speed change to the
transforms that alters a single pixel fails.
"""
import cv2
import numpy as np
import pytest

from mmcls.datasets.transforms import Compose, RandomResizedCrop

TRAIN = [dict(type='LoadImageFromFile'), dict(type='RandomResizedCrop', scale=224),
         dict(type='RandomFlip', prob=0.5, direction='horizontal'), dict(type='PackClsInputs')]
TEST = [dict(type='LoadImageFromFile'), dict(type='ResizeEdge', scale=256, edge='short'),
        dict(type='CenterCrop', crop_size=224), dict(type='PackClsInputs')]
# benchmark-sized photos, a portrait one, and a large one where a reduced decode would apply
SHAPES = [(375, 500), (500, 375), (333, 500), (1200, 1600)]


def _chw(img):
    return np.ascontiguousarray(img.transpose(2, 0, 1))


def _reference_train(img, seed):
    np.random.seed(seed)
    offset_h, offset_w, h, w = RandomResizedCrop(224).rand_crop_params(img)
    out = cv2.resize(img[offset_h:offset_h + h, offset_w:offset_w + w], (224, 224),
                     interpolation=cv2.INTER_LINEAR)
    if np.random.rand() < 0.5:
        out = out[:, ::-1]
    return _chw(out)


def _reference_test(img):
    h, w = img.shape[:2]
    size = (256, int(256 * h / w)) if w < h else (int(256 * w / h), 256)
    resized = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
    top = max(0, round((size[1] - 224) / 2))
    left = max(0, round((size[0] - 224) / 2))
    return _chw(resized[top:top + 224, left:left + 224])


@pytest.mark.parametrize('shape', SHAPES)
def test_default_pipelines_are_bit_exact(jpeg_file, shape):
    path, decoded = jpeg_file(*shape, quality=90)
    train, test = Compose(TRAIN), Compose(TEST)
    flips = set()
    for seed in range(6):
        np.random.seed(seed)
        packed = train(dict(img_path=str(path), gt_label=3))
        np.testing.assert_array_equal(packed['inputs'].numpy(), _reference_train(decoded, seed))
        assert packed['data_samples'].gt_label.label.tolist() == [3]
        flips.add(packed['data_samples'].flip)
    assert flips == {True, False}  # both branches of the flip were compared
    packed = test(dict(img_path=str(path), gt_label=1))
    np.testing.assert_array_equal(packed['inputs'].numpy(), _reference_test(decoded))
    assert packed['data_samples'].ori_shape == shape


def _record_crops(monkeypatch):
    boxes = []
    original = RandomResizedCrop.rand_crop_params

    def recording(self, img):
        box = original(self, img)
        boxes.append((box, type(img).__name__))
        return box

    monkeypatch.setattr(RandomResizedCrop, 'rand_crop_params', recording)
    return boxes


def test_reduced_decode_keeps_crop_geometry(jpeg_file, monkeypatch):
    path, _ = jpeg_file(1200, 1600, quality=90, noise=1.0)
    pipelines = {flag: Compose([dict(type='LoadImageFromFile', reduced_decode=flag),
                                dict(type='RandomResizedCrop', scale=224,
                                     crop_ratio_range=(0.5, 1.0))])
                 for flag in (False, True)}
    boxes = _record_crops(monkeypatch)
    for seed in range(4):
        outputs = {}
        for flag, pipeline in pipelines.items():
            np.random.seed(seed)
            outputs[flag] = pipeline(dict(img_path=str(path)))['img']
        (full_box, full_kind), (reduced_box, reduced_kind) = boxes[-2:]
        assert full_box == reduced_box  # same (offset_h, offset_w, h, w) from the header size
        assert (full_kind, reduced_kind) == ('ndarray', 'LazyImage')
        full, reduced = (outputs[flag].astype(np.float64) for flag in (False, True))
        assert reduced.shape == full.shape == (224, 224, 3)
        assert not np.array_equal(full, reduced)  # really took the reduced path
        mse = np.mean((full - reduced) ** 2)
        assert np.abs(full - reduced).mean() < 2.0 and 10 * np.log10(255**2 / mse) > 32
