"""The Albumentations wrapper (optional extra)."""
import importlib.util

import numpy as np
import pytest

from mmcls.datasets.transforms import Albumentations
from mmcls.registry import TRANSFORMS

HAS_ALBU = importlib.util.find_spec('albumentations') is not None


@pytest.mark.skipif(HAS_ALBU, reason='albumentations is installed')
def test_missing_albumentations_names_the_extra():
    with pytest.raises(ImportError, match=r'pip install mmcls\[albu\]'):
        Albumentations([dict(type='ChannelShuffle', p=1.0)])
    assert TRANSFORMS.get('Albu') is Albumentations


@pytest.mark.skipif(not HAS_ALBU, reason='albumentations not installed')
def test_albumentations_documented_example(photo):
    transforms = [
        dict(type='ShiftScaleRotate', shift_limit=0.0625, scale_limit=0.0, rotate_limit=0,
             interpolation=1, p=0.5),
        dict(type='RandomBrightnessContrast', brightness_limit=[0.1, 0.3],
             contrast_limit=[0.1, 0.3], p=0.2),
        dict(type='ChannelShuffle', p=0.1),
        dict(type='OneOf', transforms=[dict(type='Blur', blur_limit=3, p=1.0),
                                       dict(type='MedianBlur', blur_limit=3, p=1.0)], p=0.1),
    ]
    data = Albumentations(transforms)({'img': photo})
    assert data['img'].shape == (375, 500, 3) and data['img_shape'] == (375, 500)
    assert data['img'].dtype == np.uint8
