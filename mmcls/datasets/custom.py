"""``CustomDataset``: images in class sub-folders, or listed in a ``path label`` text file."""
from __future__ import annotations

import warnings
from typing import Iterator, Optional, Sequence, Union

from mmcls.registry import DATASETS

from .base_dataset import BaseDataset
from .io_utils import find_folders, has_extension, iter_lines, join_path, scan_files

__all__ = ['CustomDataset', 'IMG_EXTENSIONS']

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif')


@DATASETS.register_module()
class CustomDataset(BaseDataset):
    """Custom dataset for classification, in one of two layouts.

    1. ``ann_file`` given: each line is ``<image path relative to data_prefix> <label>``
       (the path may contain spaces; the label is the last field).  With
       ``with_label=False`` each line is just a path.
    2. no ``ann_file``: ``data_prefix/<class name>/.../<image>``; class names are
       the sorted sub-folder names and nested files belong to their top folder.
       With ``with_label=False`` every image below ``data_prefix`` is a sample.

    Args:
        extensions: allowed image suffixes (case-insensitive) of the folder layout.
        with_label: whether samples carry a ``gt_label``.
        Other arguments: see :class:`BaseDataset`.
    """

    def __init__(self,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 lazy_init: bool = False,
                 with_label: bool = True,
                 **kwargs):
        if not (ann_file or data_prefix or data_root):
            raise ValueError('CustomDataset needs at least one of ann_file, data_root and '
                             'data_prefix')
        self.extensions = tuple(sorted({ext.lower() for ext in extensions}))
        self.with_label = with_label
        self.folder_to_idx: Optional[dict] = None
        super().__init__(ann_file=ann_file, metainfo=metainfo, data_root=data_root,
                         data_prefix=data_prefix, lazy_init=lazy_init, **kwargs)

    def is_valid_file(self, filename: str) -> bool:
        """Whether ``filename`` has one of the allowed extensions."""
        return has_extension(filename, self.extensions)

    def load_data_list(self) -> Iterator[dict]:
        """Data infos from the annotation file or the folder tree (a lazy iterator)."""
        if self.ann_file:
            return self._iter_ann_file()
        return iter(self._scan_folder())

    # -- folder layout ---------------------------------------------------
    def _scan_folder(self) -> list:
        root = self.img_prefix or '.'
        if not self.with_label:
            files = scan_files(root, self.is_valid_file)
            self._require_samples(files, root)
            return [dict(img_path=join_path(root, path)) for path in files]

        folder_to_idx = find_folders(root)
        samples, empty = [], []
        for folder, label in folder_to_idx.items():
            files = scan_files(join_path(root, folder), self.is_valid_file)
            if not files:
                empty.append(folder)
            samples.extend(dict(img_path=join_path(root, f'{folder}/{path}'), gt_label=label)
                           for path in files)
        self._require_samples(samples, root)
        if empty:
            warnings.warn(f'{type(self).__name__}: no image with extensions '
                          f'{", ".join(self.extensions)} in the class folders {", ".join(empty)} '
                          f'of {root!r}')
        self._set_folder_classes(folder_to_idx, root)
        return samples

    def _require_samples(self, samples: list, root: str) -> None:
        if not samples:
            raise RuntimeError(f'found no image file in {root!r} (recursively'
                               f'{", in class sub-folders" if self.with_label else ""}); '
                               f'supported extensions: {", ".join(self.extensions)}')

    def _set_folder_classes(self, folder_to_idx: dict, root: str) -> None:
        self.folder_to_idx = folder_to_idx
        if self.CLASSES is None:
            self._metainfo['classes'] = tuple(folder_to_idx)
        elif len(self.CLASSES) != len(folder_to_idx):
            raise ValueError(f'{type(self).__name__}: {root!r} has {len(folder_to_idx)} class '
                             f'folders but {len(self.CLASSES)} class names are set')

    # -- annotation file layout -------------------------------------------
    def _iter_ann_file(self) -> Iterator[dict]:
        num_classes = len(self.CLASSES) if self.CLASSES is not None else None
        for number, line in iter_lines(self.ann_file, 'annotation file'):
            if not self.with_label:
                yield dict(img_path=join_path(self.img_prefix, line))
                continue
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2:
                raise ValueError(f'{self.ann_file}:{number}: expected "<path> <label>", '
                                 f'got {line!r}')
            path, label_text = parts
            try:
                label = int(label_text)
            except ValueError:
                raise ValueError(f'{self.ann_file}:{number}: label {label_text!r} is not an '
                                 'integer') from None
            if label < 0 or (num_classes is not None and label >= num_classes):
                bound = f'[0, {num_classes - 1}]' if num_classes is not None else '>= 0'
                raise ValueError(f'{self.ann_file}:{number}: label {label} is out of range '
                                 f'{bound}')
            yield dict(img_path=join_path(self.img_prefix, path), gt_label=label)
