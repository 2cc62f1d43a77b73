"""Former home of the geometric (and colour) transforms, kept so that old import paths work.

``from mmcls.datasets.transforms.processing import RandomResizedCrop`` (the
module name MMClassification uses) still works: the classes are imported from
:mod:`.geometric`, where they are defined and exported.  ``__all__`` is empty
so the package does not export (or register) anything twice.
"""
from .geometric import (CenterCrop, EfficientNetCenterCrop,  # noqa: F401
                        EfficientNetRandomCrop, Pad, RandomChoiceResize, RandomCrop, RandomFlip,
                        RandomResize, RandomResizedCrop, Resize, ResizeEdge)
from .albumentations import Albumentations  # noqa: F401
from .color import ColorJitter, Lighting, RandomErasing  # noqa: F401

__all__: list = []
