"""Image-to-image retrieval: rank a gallery of prototype vectors by similarity to each query.

The prototype (one feature vector per gallery image) comes from a tensor, a saved ``.pth``
file, a DataLoader, or a dataloader config, and is computed once before predicting.
"""
from pathlib import Path
from typing import Callable, List, Optional, Union

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample
from mmcls.utils.dist import (all_reduce, broadcast_object_list, get_world_size,
                              is_main_process)

from ..base_model import build_component, preprocessor_with_augments
from .base import BaseRetriever, PrototypeType
from .similarity import get_similarity_fn


@MODELS.register_module()
class ImageToImageRetriever(BaseRetriever):
    """Encode images, then match them against the prototype gallery.

    Args:
        image_encoder: encoder config (a list of configs becomes ``nn.Sequential``, e.g.
            backbone + neck); its last output is the feature vector.
        prototype: gallery features as a tensor, a ``.pth`` path, a DataLoader or a dataloader
            config (dataset + batch size) whose samples carry ``sample_idx``.
        head: training head (e.g. ``ArcFaceClsHead``); not used for prediction.
        similarity_fn: ``'cosine_similarity'``, ``'dot_product'`` or a callable.
        topk: keep the best ``topk`` gallery indices in ``pred_label`` (-1 keeps all).
    """

    def __init__(self,
                 image_encoder: Union[dict, List[dict], nn.Module],
                 prototype: PrototypeType,
                 head: Optional[Union[dict, nn.Module]] = None,
                 pretrained: Optional[str] = None,
                 similarity_fn: Union[str, Callable] = 'cosine_similarity',
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 topk: int = -1,
                 init_cfg: Optional[dict] = None) -> None:
        if pretrained is not None:
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        if not isinstance(prototype, (torch.Tensor, str, dict, DataLoader)):
            raise TypeError('prototype must be a tensor, a .pth path, a DataLoader or a '
                            f'dataloader config, got {type(prototype).__name__}')
        super().__init__(prototype=prototype, init_cfg=init_cfg,
                         data_preprocessor=preprocessor_with_augments(data_preprocessor, train_cfg))
        self.image_encoder = build_component(image_encoder)
        self.head = build_component(head)
        self.similarity = similarity_fn
        self.similarity_fn = get_similarity_fn(similarity_fn)
        self.topk = topk

    @property
    def with_head(self) -> bool:
        return self.head is not None

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """``'tensor'``: features; ``'loss'``: the head's losses; ``'predict'``: ranked gallery."""
        return self._forward_by_mode(inputs, data_samples, mode, self.extract_feat)

    def extract_feat(self, inputs: torch.Tensor):
        return self.image_encoder(inputs)

    def loss(self, inputs: torch.Tensor, data_samples: List[ClsDataSample]) -> dict:
        if not self.with_head:
            raise RuntimeError('ImageToImageRetriever needs a head to compute a training loss')
        return self.head.loss(self.extract_feat(inputs), data_samples)

    def matching(self, features: torch.Tensor) -> dict:
        """Similarity of each query to every prototype, with the gallery sorted by it."""
        similarity = self.similarity_fn(features, self.prototype_vecs)
        sorted_scores, indices = torch.sort(similarity, descending=True, dim=-1)
        return dict(score=similarity, pred_label=indices, pred_score=sorted_scores)

    def predict(self, inputs: torch.Tensor,
                data_samples: Optional[List[ClsDataSample]] = None) -> List[ClsDataSample]:
        """Per query: ``pred_label.score`` over the gallery, ``pred_label.label`` ranked indices."""
        if not self.prototype_inited:
            self.prepare_prototype()
        features = _last(self.extract_feat(inputs))
        result = self.matching(features)
        labels = result['pred_label']
        if self.topk != -1:
            labels = labels[:, :min(self.topk, labels.size(-1))]
        if data_samples is None:
            data_samples = [ClsDataSample() for _ in range(features.size(0))]
        for sample, score, label in zip(data_samples, result['score'], labels):
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples

    # -- the prototype gallery ----------------------------------------------------------------
    @torch.no_grad()
    def _prototype_from_loader(self, loader: DataLoader) -> torch.Tensor:
        """Gallery features in dataset order; shards of a distributed sampler are summed.

        A sample's row is its ``sample_idx`` metainfo. Without it (e.g. a plain dataset of
        images) the row is the sample's position in the loader, which is the dataset order
        only for one process reading in order, so that is the only case allowed.
        """
        was_training = self.training
        self.eval()
        vectors = counts = None
        position = 0
        for data_batch in loader:
            data = self.data_preprocessor(data_batch, False)
            features = _last(self(**data, mode='tensor'))
            if vectors is None:
                size = len(loader.dataset)
                vectors = features.new_zeros(size, features.shape[-1])
                counts = features.new_zeros(size, 1)
            for sample, feature in zip(data_batch['data_samples'], features):
                index = _gallery_row(sample, position)
                vectors[index] += feature
                counts[index] += 1
                position += 1
        if vectors is None:
            raise ValueError('the prototype dataloader yielded no sample')
        all_reduce(vectors)
        all_reduce(counts)
        self.train(was_training)
        return vectors / counts.clamp(min=1)

    def _build_prototype_loader(self, cfg: dict) -> DataLoader:
        """The gallery loader of a dataloader config; without a ``sampler`` the gallery is read
        in order (``DefaultSampler(shuffle=False)``), sharded across ranks when distributed."""
        from mmcls.datasets.builder import build_dataloader
        cfg = dict(cfg)
        cfg.setdefault('sampler', dict(type='DefaultSampler', shuffle=False))
        return build_dataloader(cfg)

    def prepare_prototype(self) -> None:
        """Compute (or load) the gallery features once and keep them as a buffer."""
        device = self.data_preprocessor.device  # the encoder may have no parameters
        if isinstance(self.prototype, torch.Tensor):
            vectors = self.prototype
        elif isinstance(self.prototype, str):
            vectors = _load_prototype_file(self.prototype)
        else:
            loader = self.prototype
            if isinstance(loader, dict):
                loader = self._build_prototype_loader(loader)
            vectors = self._prototype_from_loader(loader)
        self.register_buffer('prototype_vecs', vectors.to(device), persistent=False)
        self.prototype_inited = True

    def dump_prototype(self, path: str) -> None:
        """Save the gallery features to ``path`` (reload them with ``prototype=path``)."""
        if not self.prototype_inited:
            self.prepare_prototype()
        torch.save(self.prototype_vecs.cpu(), path)


def _gallery_row(sample, position: int) -> int:
    """The prototype row of ``sample``: its ``sample_idx``, else its loading ``position``."""
    index = sample.get('sample_idx')
    if index is not None:
        return index
    if get_world_size() > 1:
        raise KeyError('distributed prototype loading needs "sample_idx" in the samples\' '
                       'metainfo to put the shards back in dataset order')
    return position


def _last(features):
    return features[-1] if isinstance(features, (tuple, list)) else features


def _load_prototype_file(path: str) -> torch.Tensor:
    """Load saved prototype vectors on rank 0 and share them with the other ranks."""
    holder = [None]
    if is_main_process():
        if not Path(path).is_file():
            raise FileNotFoundError(f'prototype file {path!r} does not exist')
        holder[0] = torch.load(path, map_location='cpu', weights_only=True)
    broadcast_object_list(holder)
    if not isinstance(holder[0], torch.Tensor) or holder[0].ndim != 2:
        raise ValueError(f'prototype file {path!r} must hold a 2-D tensor (gallery x features)')
    return holder[0]


__all__ = ['ImageToImageRetriever']
