"""Former home of the geometric transforms, kept so that old import paths work.

``from mmcls.datasets.transforms.processing import RandomResizedCrop`` (the
module name MMClassification uses) still works: the classes are imported from
:mod:`.geometric`, where they are defined and exported.  ``__all__`` is empty
so the package does not export (or register) anything twice.
"""
from .geometric import (CenterCrop, EfficientNetCenterCrop,  # noqa: F401
                        EfficientNetRandomCrop, Pad, RandomChoiceResize, RandomCrop, RandomFlip,
                        RandomResize, RandomResizedCrop, Resize, ResizeEdge)

__all__: list = []
