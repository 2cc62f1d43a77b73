"""Fixtures for the transform tests: deterministic photo-like images and encoded files."""
import cv2
import numpy as np
import pytest


def make_photo(h: int, w: int, seed: int = 0, noise: float = 6.0) -> np.ndarray:
    """A smooth, textured uint8 BGR image (gradients, waves, mild noise), deterministic."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = [
        127 + 100 * np.sin(xx / 37.0 + c) * np.cos(yy / 23.0 - c)
        + 20 * np.sin((xx + yy) / 9.0)
        for c in range(3)
    ]
    img = np.stack(base, axis=-1) + rng.normal(0, noise, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def photo():
    """A 375x500 photo-like image (the shape of the benchmark JPEGs)."""
    return make_photo(375, 500)


@pytest.fixture
def jpeg_file(tmp_path):
    """Write a JPEG of a photo-like image; returns (path, decoded full-size image)."""

    def write(h: int = 375, w: int = 500, name: str = 'img.jpg', quality: int = 95,
              noise: float = 6.0):
        path = tmp_path / name
        ok, encoded = cv2.imencode('.jpg', make_photo(h, w, noise=noise),
                                   [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        path.write_bytes(encoded.tobytes())
        return path, cv2.imread(str(path))

    return write


@pytest.fixture
def photo_maker():
    """The :func:`make_photo` generator, for tests that need other sizes."""
    return make_photo
