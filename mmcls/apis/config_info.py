"""What inference needs from a training config: the test dataset's class names and pipeline.

Torch-free: the dataset type is only looked up in the registry when the
config names neither ``classes`` nor ``metainfo['classes']``.
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Optional, Tuple

__all__ = ['dataset_config', 'classes_from_config', 'get_test_pipeline', 'LOADER_TYPES']

LOADER_TYPES = ('LoadImageFromFile', 'LoadImageFromNDArray', 'mmcls.LoadImageFromFile',
                'mmcls.LoadImageFromNDArray')


def dataset_config(cfg: Any) -> Optional[dict]:
    """The dataset config of the test (else val, else train) dataloader, wrappers unwrapped."""
    for key in ('test_dataloader', 'val_dataloader', 'train_dataloader'):
        loader = cfg.get(key)
        if loader and loader.get('dataset'):
            dataset = loader['dataset']
            while dataset.get('pipeline') is None and isinstance(dataset.get('dataset'), dict):
                dataset = dataset['dataset']  # ConcatDataset/RepeatDataset-style wrappers
            return dataset
    return None


def _read_class_file(path: str) -> Optional[Tuple[str, ...]]:
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as file:
        return tuple(line.strip() for line in file if line.strip())


def classes_from_config(cfg: Any, use_dataset_type: bool = True) -> Optional[Tuple[str, ...]]:
    """Class names of the config's dataset: its ``classes`` (names or a file), its
    ``metainfo['classes']``, else (with ``use_dataset_type``, which imports the
    datasets) the ``METAINFO`` of its dataset type; None when unknown."""
    dataset = dataset_config(cfg)
    if not dataset:
        return None
    classes = dataset.get('classes') or (dataset.get('metainfo') or {}).get('classes')
    if isinstance(classes, str):
        return _read_class_file(classes)
    if classes or not use_dataset_type:
        return tuple(classes) if classes else None
    from mmcls.registry import DATASETS
    dataset_type = dataset.get('type')
    if isinstance(dataset_type, str):
        if dataset_type not in DATASETS:
            return None
        dataset_type = DATASETS.get(dataset_type)
    meta = getattr(dataset_type, 'METAINFO', None) or {}
    return tuple(meta['classes']) if meta.get('classes') else None


def get_test_pipeline(cfg: Any) -> Tuple[list, dict]:
    """The config's test pipeline without its image-loading step, and that step's config
    (empty when the pipeline starts after loading, as for in-memory MNIST/CIFAR)."""
    pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        dataset = dataset_config(cfg)
        pipeline = dataset.get('pipeline') if dataset else None
    if pipeline is None:
        raise KeyError(f'config {cfg.filename or "<Config>"} has no test pipeline '
                       f'(test_dataloader.dataset.pipeline or test_pipeline)')
    transforms = [dict(t) if isinstance(t, dict) else t for t in pipeline]
    load_cfg: dict = {}
    if transforms and isinstance(transforms[0], dict) and transforms[0].get('type') in LOADER_TYPES:
        load_cfg = transforms.pop(0)
    return transforms, load_cfg
