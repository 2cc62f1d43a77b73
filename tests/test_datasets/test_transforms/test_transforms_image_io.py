"""Decoding helpers: backends, header parsing, the pixel cap and reduced decoding."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

from mmcls.datasets.transforms import image_io
from mmcls.datasets.transforms.image_io import (ImageTooLargeError, LazyImage, imfrombytes,
                                                imread, read_header_size)


def _encode(img, ext='.jpg'):
    ok, buf = cv2.imencode(ext, img)
    assert ok
    return buf.tobytes()


def _jpeg_with_orientation(img_rgb: np.ndarray, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.fromarray(img_rgb).save(out, 'JPEG', exif=exif.tobytes(), quality=95)
    return out.getvalue()


def test_cv2_and_pillow_backends_agree_on_bgr(photo):
    content = _encode(photo, '.png')  # lossless: both must give back the exact pixels
    for backend in ('cv2', 'pillow'):
        img = imfrombytes(content, backend=backend)
        assert img.dtype == np.uint8 and img.shape == (375, 500, 3)
        np.testing.assert_array_equal(img, photo)
    rgb = imfrombytes(content, channel_order='rgb')
    np.testing.assert_array_equal(rgb, photo[..., ::-1])


def test_grayscale_and_unchanged_flags(photo):
    content = _encode(photo, '.png')
    gray = imfrombytes(content, flag='grayscale')
    expected = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    assert gray.shape == (375, 500)
    assert np.abs(gray.astype(int) - expected.astype(int)).max() <= 1
    gray_pil = imfrombytes(content, flag='grayscale', backend='pillow')
    assert gray_pil.shape == (375, 500)
    assert np.abs(gray_pil.astype(int) - gray.astype(int)).max() <= 1
    assert imfrombytes(content, flag='unchanged').shape == (375, 500, 3)
    with pytest.raises(ValueError, match='color_type/flag'):
        imfrombytes(content, flag='colour')


def test_imread_file_and_errors(tmp_path, photo):
    path = tmp_path / 'a.png'
    path.write_bytes(_encode(photo, '.png'))
    np.testing.assert_array_equal(imread(path), photo)
    assert imread(photo) is photo
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'not an image at all')
    with pytest.raises(ValueError, match='bad.jpg'):
        imread(bad)
    with pytest.raises(ValueError, match='Pillow'):
        imread(bad, backend='pillow')


def test_header_size_matches_pillow_for_jpeg_png(photo):
    for ext in ('.jpg', '.png'):
        content = _encode(photo[:123, :77], ext)
        assert read_header_size(content) == (77, 123)
    assert read_header_size(b'garbage') is None


@pytest.mark.parametrize('orientation,transposed', [(1, False), (3, False), (6, True), (8, True)])
def test_header_size_applies_exif_orientation(photo, orientation, transposed):
    content = _jpeg_with_orientation(photo[:40, :60, ::-1], orientation)
    expected = (40, 60) if transposed else (60, 40)
    assert read_header_size(content) == expected
    assert read_header_size(content, apply_orientation=False) == (60, 40)
    # and the decoders agree with the header
    assert imfrombytes(content).shape[:2] == expected[::-1]
    assert imfrombytes(content, backend='pillow').shape[:2] == expected[::-1]


def test_pixel_cap_rejects_large_images(monkeypatch, photo):
    content = _encode(photo, '.jpg')
    monkeypatch.setattr(image_io, 'MAX_IMAGE_PIXELS', 500 * 375 - 1)
    with pytest.raises(ImageTooLargeError, match='exceeds the limit'):
        imfrombytes(content, source='big.jpg')
    with pytest.raises(ImageTooLargeError, match='big.jpg'):
        LazyImage(content, 500, 375, source='big.jpg').decode_reduced(2)
    monkeypatch.setattr(image_io, 'MAX_IMAGE_PIXELS', 500 * 375)
    assert imfrombytes(content).shape == (375, 500, 3)


@pytest.mark.parametrize('backend', ['cv2', 'pillow'])
@pytest.mark.parametrize('factor', [2, 4, 8])
def test_reduced_decode_shape_and_content(jpeg_file, backend, factor):
    path, full = jpeg_file(601, 803)
    lazy = LazyImage(path.read_bytes(), 803, 601, backend=backend)
    assert lazy.supports_reduction
    small = lazy.decode_reduced(factor)
    assert small.shape[:2] == lazy.reduced_shape(factor) == (-(-601 // factor), -(-803 // factor))
    # a reduced decode is close to an area-downscaled full decode
    h, w = (601 // factor) * factor, (803 // factor) * factor
    area = cv2.resize(full[:h, :w], (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    diff = np.abs(area.astype(int) - small[:h // factor, :w // factor].astype(int))
    assert diff.mean() < 3


def test_set_opencv_threads():
    before = cv2.getNumThreads()
    try:
        image_io.set_opencv_threads(1)
        assert cv2.getNumThreads() == 1
        image_io.set_opencv_threads(None)  # None keeps the current setting
        assert cv2.getNumThreads() == 1
    finally:
        cv2.setNumThreads(before)


def test_lazy_image_full_decode_and_non_jpeg(photo):
    content = _encode(photo, '.png')
    lazy = LazyImage(content, 500, 375)
    assert not lazy.supports_reduction
    assert lazy.decode_reduced(2) is None
    np.testing.assert_array_equal(lazy.decode(), photo)
    assert 'LazyImage' in repr(lazy)
    with pytest.raises(ValueError, match='flag'):
        LazyImage(content, 500, 375, flag='unchanged')
