"""Writers of small on-disk fixtures in the real formats, shared by the dataset tests.

Tests get them through the ``files`` fixture (``files.write_image(...)``).
"""
from __future__ import annotations

import os
import os.path as osp
from types import SimpleNamespace
from typing import Dict, List

import cv2
import numpy as np
import pytest


def write_image(path: str, seed: int = 0, size=(12, 16)) -> str:
    """Write a small random colour image; the suffix picks the codec."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, size=(*size, 3), dtype=np.uint8)
    assert cv2.imwrite(path, image), path
    return path


def write_text(path: str, lines: List[str]) -> str:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def make_broken_files(folder: str) -> Dict[str, str]:
    """A truncated JPEG, a zero-byte .jpg and a text file named .jpg in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    good = write_image(osp.join(folder, 'full.jpg'), seed=3, size=(64, 64))
    with open(good, 'rb') as f:
        data = f.read()
    truncated = osp.join(folder, 'truncated.jpg')
    with open(truncated, 'wb') as f:
        f.write(data[:len(data) // 2])
    empty = osp.join(folder, 'empty.jpg')
    open(empty, 'wb').close()
    text = osp.join(folder, 'text.jpg')
    with open(text, 'w') as f:
        f.write('this is not an image\n')
    os.remove(good)
    return dict(truncated=truncated, empty=empty, text=text)


def strict_load(results: dict) -> dict:
    """A plain-callable loader that rejects empty, undecodable and truncated files."""
    from PIL import Image

    path = results['img_path']
    with Image.open(path) as image:
        image.load()  # raises OSError on a truncated file
        array = np.asarray(image.convert('RGB'))[..., ::-1]
    results['img'] = np.ascontiguousarray(array)
    return results


@pytest.fixture
def files() -> SimpleNamespace:
    """The fixture writers above, as ``files.write_image`` etc."""
    return SimpleNamespace(write_image=write_image, write_text=write_text,
                           make_broken_files=make_broken_files, strict_load=strict_load)
