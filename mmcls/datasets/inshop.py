"""DeepFashion In-shop Clothes Retrieval: train / query / gallery splits."""
from __future__ import annotations

from typing import Dict, List

from mmcls.registry import DATASETS

from .base_dataset import BaseDataset
from .io_utils import iter_lines, join_path

__all__ = ['InShop']

SPLITS = ('train', 'query', 'gallery')


@DATASETS.register_module()
class InShop(BaseDataset):
    """In-shop retrieval dataset read from ``Eval/list_eval_partition.txt``.

    The partition file starts with the image count and a header line, then has
    ``<image name> <item id> <train|query|gallery>`` lines.
    ``split='train'``: ``gt_label`` is the item's class index (items numbered
    in order of appearance).  ``split='gallery'``: samples without labels, in
    file order.  ``split='query'``: ``gt_label`` is the list of gallery indices
    showing the same item.

    Args:
        data_root: the dataset folder.
        split: ``'train'``, ``'query'`` or ``'gallery'``.
        data_prefix: image folder relative to ``data_root``.
        ann_file: partition file relative to ``data_root``.
        **kwargs: other :class:`BaseDataset` arguments.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 data_prefix: str = 'Img',
                 ann_file: str = 'Eval/list_eval_partition.txt',
                 **kwargs):
        if split not in SPLITS:
            raise ValueError(f"InShop split must be one of {SPLITS}, got {split!r}")
        self.split = split
        super().__init__(data_root=data_root, data_prefix=data_prefix, ann_file=ann_file,
                         **kwargs)

    def _entries(self) -> List[tuple]:
        entries = []
        for number, line in iter_lines(self.ann_file, 'InShop partition file'):
            if number <= 2:  # the image count and the column names
                continue
            parts = line.split()
            if len(parts) != 3 or parts[2] not in SPLITS:
                raise ValueError(f'{self.ann_file}:{number}: expected "<image> <item id> '
                                 f'<train|query|gallery>", got {line!r}')
            entries.append(tuple(parts))
        return entries

    def load_data_list(self) -> List[dict]:
        """Data infos of the chosen split."""
        entries = self._entries()
        if self.split == 'train':
            item_to_label: Dict[str, int] = {}
            return [dict(img_path=join_path(self.img_prefix, name),
                         gt_label=item_to_label.setdefault(item, len(item_to_label)))
                    for name, item, status in entries if status == 'train']
        gallery = [(name, item) for name, item, status in entries if status == 'gallery']
        if self.split == 'gallery':
            return [dict(img_path=join_path(self.img_prefix, name), sample_idx=index)
                    for index, (name, _) in enumerate(gallery)]
        item_to_gallery: Dict[str, List[int]] = {}
        for index, (_, item) in enumerate(gallery):
            item_to_gallery.setdefault(item, []).append(index)
        return [dict(img_path=join_path(self.img_prefix, name),
                     gt_label=list(item_to_gallery.get(item, [])))
                for name, item, status in entries if status == 'query']

    def extra_repr(self) -> List[str]:
        return [f'Root of dataset: \t{self.data_root}']
