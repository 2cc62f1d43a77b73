"""Image retrieval inference: find the gallery images most similar to each query image.

``ImageRetrievalInferencer`` reuses the loading, batching and progress machinery of
:class:`ImageClassificationInferencer`; it encodes the gallery (the *prototype*) once, optionally
caches its vectors in a file, and ranks the gallery for each query with the retriever's
``matching``.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import Any, Dict, List, Optional

from .inference import ImageClassificationInferencer, _expand_inputs

__all__ = ['ImageRetrievalInferencer']


def _is_dataset(obj: Any) -> bool:
    """mmcls datasets (which are not ``torch.utils.data.Dataset`` subclasses) or torch ones."""
    import torch
    return isinstance(obj, torch.utils.data.Dataset) or (
        hasattr(obj, 'get_data_info') and hasattr(obj, '__getitem__') and hasattr(obj, '__len__'))


class ImageRetrievalInferencer(ImageClassificationInferencer):
    """The inferencer for image-to-image retrieval models (e.g. ``ImageToImageRetriever``).

    Args:
        model: a model name, a config path or ``Config``, or a built retriever.
        prototype: the gallery: an image folder, a list of image paths / BGR ndarrays, a dataset
            (or dataset config; the config's test pipeline is used when it has none) or a
            DataLoader, whose samples carry ``sample_idx``, or a ready ``(gallery, features)``
            tensor.
        prototype_cache: a ``.pth`` file of the gallery vectors: loaded when it exists (the
            gallery is then not encoded), else written after encoding.
        prepare_batch_size: images per forward pass when encoding the gallery.
        weights: checkpoint path or URL; None loads a name's zoo weights.
        device: where to run; None keeps the model's device.

    Example:
        >>> inferencer = ImageRetrievalInferencer('resnet50-arcface_inshop', prototype='gallery/')
        >>> inferencer('query.jpg', topk=2)[0][0]['sample']['img_path']
        'gallery/item_3.jpg'
    """

    def __init__(self, model: Any, prototype: Any, prototype_cache: Optional[str] = None,
                 prepare_batch_size: int = 8, weights: Optional[str] = None,
                 device: Any = None) -> None:
        super().__init__(model, weights=weights, device=device, classes=())
        for method in ('prepare_prototype', 'matching', 'extract_feat'):
            if not callable(getattr(self.model, method, None)):
                raise TypeError(f'ImageRetrievalInferencer needs a retriever with {method}(), got '
                                f'{type(self.model).__name__}')
        if int(prepare_batch_size) < 1:
            raise ValueError(f'prepare_batch_size must be >= 1, got {prepare_batch_size}')
        if isinstance(prototype, dict):
            prototype = self._build_dataset(prototype)
        self.prototype_dataset = self._gallery_samples(prototype)
        if prototype_cache is not None and osp.isfile(prototype_cache):
            self.model.prototype = os.fspath(prototype_cache)
        else:
            self.model.prototype = self._encode_gallery(prototype, int(prepare_batch_size))
        self.model.prepare_prototype()
        if prototype_cache is not None and not osp.isfile(prototype_cache):
            self.model.dump_prototype(os.fspath(prototype_cache))
        size = self.model.prototype_vecs.size(0)
        if self.prototype_dataset is not None and len(self.prototype_dataset) != size:
            raise ValueError(f'the prototype has {len(self.prototype_dataset)} gallery items but '
                             f'the vectors ({prototype_cache or "encoded"}) have {size} rows')

    # ------------------------------------------------------------ the gallery
    def _build_dataset(self, cfg: dict):
        from mmcls.registry import DATASETS

        from .config_info import get_test_pipeline
        cfg = dict(cfg)
        if cfg.get('pipeline') is None:
            transforms, load_cfg = get_test_pipeline(self.config)
            cfg['pipeline'] = ([load_cfg] if load_cfg else []) + transforms
        return DATASETS.build(cfg)

    def _gallery_samples(self, prototype: Any) -> Optional[List[Dict[str, Any]]]:
        """What to report for each gallery item (its path or data info); None for a tensor."""
        import numpy as np
        import torch
        if isinstance(prototype, torch.Tensor):
            if prototype.ndim != 2:
                raise ValueError('a prototype tensor must be 2-D (gallery x features), got shape '
                                 f'{tuple(prototype.shape)}')
            return None
        if isinstance(prototype, torch.utils.data.DataLoader):
            prototype = prototype.dataset
        if _is_dataset(prototype):
            if not hasattr(prototype, 'get_data_info'):
                raise TypeError(f'a prototype dataset needs get_data_info(), which '
                                f'{type(prototype).__name__} does not have')
            return [dict(prototype.get_data_info(i)) for i in range(len(prototype))]
        items, _ = _expand_inputs(prototype)
        samples = [dict(img_path=os.fspath(item)) if not isinstance(item, np.ndarray)
                   else dict(img_index=index) for index, item in enumerate(items)]
        if not samples:
            raise ValueError('the prototype gallery is empty')
        return samples

    def _encode_gallery(self, prototype: Any, batch_size: int):
        """Gallery vectors, row ``i`` for gallery item ``i``."""
        import torch
        from torch.utils.data import DataLoader

        from mmcls.datasets.builder import build_dataloader
        if isinstance(prototype, (torch.Tensor, DataLoader)):
            return prototype
        if _is_dataset(prototype):
            return build_dataloader(dict(dataset=prototype, batch_size=batch_size,
                                         sampler=dict(type='DefaultSampler', shuffle=False)))
        items, _ = _expand_inputs(prototype)
        vectors = [self.forward(data, stage='vectors')
                   for data in self.preprocess(items, batch_size)]
        return torch.cat(vectors)

    def forward(self, inputs: dict, stage: Optional[str] = None) -> list:
        """Retrieval results of a collated batch, or its vectors with ``stage='vectors'``."""
        import torch
        if stage != 'vectors':
            return super().forward(inputs, stage)
        with torch.no_grad():
            data = self.model.data_preprocessor(inputs, False)
            feats = self.model.extract_feat(data['inputs'])
        feats = feats[-1] if isinstance(feats, (tuple, list)) else feats
        return feats.detach()

    # ------------------------------------------------------------ running
    def __call__(self, inputs: Any, return_datasamples: bool = False, batch_size: int = 1,
                 topk: int = 1, progress: Optional[bool] = None) -> list:
        """Retrieve the ``topk`` most similar gallery items for each query image.

        Args:
            inputs: a query path, a folder, a BGR ndarray, or an iterable of paths/ndarrays.
            return_datasamples: return the ``ClsDataSample`` of each query (similarity to the
                whole gallery in ``pred_label.score``) instead of dicts.
            batch_size: queries per forward pass.
            topk: gallery items to return per query.
            progress: show a progress bar; None shows it for long inputs on a terminal.

        Returns:
            Per query, a list of ``{'match_score': float, 'sample_idx': int, 'sample': dict}``
            from the best match down (``sample`` is the gallery item's path or data info,
            absent for a tensor prototype), or the data samples.
        """
        if int(topk) < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')

        def convert(ori_inputs: list, results: list, first_index: int) -> list:
            return results if return_datasamples else [self._matches(s, int(topk))
                                                       for s in results]

        return self._run_batches(inputs, batch_size, progress, None, convert)

    def _matches(self, sample, topk: int) -> List[Dict[str, Any]]:
        scores = sample.pred_label.score.detach().float().cpu()
        values, indices = scores.topk(min(topk, scores.numel()))
        matches = []
        for value, index in zip(values.tolist(), indices.tolist()):
            match = {'match_score': value, 'sample_idx': index}
            if self.prototype_dataset is not None:
                match['sample'] = self.prototype_dataset[index]
            matches.append(match)
        return matches
