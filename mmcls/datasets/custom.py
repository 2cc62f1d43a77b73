"""``CustomDataset``: images in class sub-folders, or listed in a ``path label`` text file."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from mmcls.registry import DATASETS

from .base_dataset import BaseDataset
from .io_utils import has_extension, iter_lines, join_path, list_folders, scan_files

__all__ = ['CustomDataset', 'IMG_EXTENSIONS', 'find_folders', 'get_samples']

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif')


def find_folders(root: str, backend: Any = None) -> Tuple[List[str], Dict[str, int]]:
    """The class folders under ``root``: their sorted names and ``{name: class index}``.

    Args:
        root: the folder whose sub-folders are the classes.
        backend: a file backend with ``list_dir_or_file(path, list_dir, list_file,
            recursive)`` (MMEngine's storage backend interface) to list ``root`` with;
            None lists the local file system.
    """
    if backend is None:
        folders = list_folders(root)
    else:
        folders = sorted(backend.list_dir_or_file(root, list_dir=True, list_file=False,
                                                  recursive=False))
    return folders, {name: index for index, name in enumerate(folders)}


def _folder_files(root: str, folder: str, is_valid_file: Callable[[str], bool],
                  backend: Any) -> List[str]:
    """The valid files below ``root/folder`` (recursive, sorted), relative to that folder."""
    if backend is None:
        return scan_files(join_path(root, folder), is_valid_file)
    files = backend.list_dir_or_file(backend.join_path(root, folder), list_dir=False,
                                     list_file=True, recursive=True)
    return [file for file in sorted(files) if is_valid_file(file)]


def get_samples(root: str, folder_to_idx: Dict[str, int], is_valid_file: Callable[[str], bool],
                backend: Any = None) -> Tuple[List[Tuple[str, int]], Set[str]]:
    """The samples of the class folders ``folder_to_idx`` under ``root``.

    Args:
        root: the folder holding the class folders.
        folder_to_idx: ``{class folder name: class index}`` (see :func:`find_folders`).
        is_valid_file: whether a file name is a sample (e.g. by its extension).
        backend: a file backend as for :func:`find_folders`; None uses the local file system.

    Returns:
        ``(samples, empty_folders)``: ``(<folder>/<path in folder>, class index)`` pairs in
        folder order then path order, and the folders that hold no valid file.
    """
    samples: List[Tuple[str, int]] = []
    empty: Set[str] = set()
    join = backend.join_path if backend is not None else (lambda a, b: f'{a}/{b}')
    for folder in sorted(folder_to_idx):
        files = _folder_files(root, folder, is_valid_file, backend)
        if not files:
            empty.add(folder)
        samples.extend((join(folder, file), folder_to_idx[folder]) for file in files)
    return samples, empty


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

        _, folder_to_idx = find_folders(root)
        pairs, empty = get_samples(root, folder_to_idx, self.is_valid_file)
        samples = [dict(img_path=join_path(root, path), gt_label=label) for path, label in pairs]
        self._require_samples(samples, root)
        if empty:
            warnings.warn(f'{type(self).__name__}: no image with extensions '
                          f'{", ".join(self.extensions)} in the class folders '
                          f'{", ".join(sorted(empty))} of {root!r}')
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
