"""Multi-label heads: sigmoid scores, labels by threshold or top-k."""
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample
from ..builder import build_loss
from .cls_head import LastFeatureHead, attach_predictions
from .linear_head import init_linear_classifier


@MODELS.register_module()
class MultiLabelClsHead(LastFeatureHead):
    """Multi-label head without layers: the logits are the last feature.

    Args:
        loss: loss config, sigmoid ``CrossEntropyLoss`` by default.
        thr: score threshold for positive labels (0.5 when neither ``thr`` nor ``topk`` is set).
        topk: predict the ``topk`` highest-scoring classes (used when ``thr`` is None).
        init_cfg: weight initialisation config.
    """

    def __init__(self,
                 loss: Union[dict, nn.Module] = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_module = build_loss(loss)
        if thr is None and topk is None:
            thr = 0.5
        self.thr = thr
        self.topk = topk

    def loss(self, feats: Tuple[torch.Tensor, ...], data_samples: List[ClsDataSample],
             **kwargs) -> dict:
        """Loss against multi-hot targets built from ``gt_label`` (or its ``score``)."""
        cls_score = self(feats)
        num_classes = cls_score.size(-1)
        if 'score' in data_samples[0].gt_label:
            target = torch.stack([s.gt_label.score.float() for s in data_samples])
        else:
            target = torch.stack([
                F.one_hot(s.gt_label.label.long(), num_classes).sum(dim=0).clamp(max=1)
                for s in data_samples
            ]).float()
        return {'loss': self.loss_module(cls_score, target.to(cls_score.device),
                                         avg_factor=cls_score.size(0), **kwargs)}

    def predict(self, feats: Tuple[torch.Tensor, ...],
                data_samples: Optional[List[Optional[ClsDataSample]]] = None) -> List[ClsDataSample]:
        """Sigmoid scores; labels are the classes above ``thr`` (or the ``topk`` best)."""
        pred_scores = torch.sigmoid(self(feats))
        if self.thr is not None:
            pred_labels = [torch.where(score >= self.thr)[0] for score in pred_scores]
        else:
            pred_labels = [score.topk(self.topk).indices for score in pred_scores]
        return attach_predictions(data_samples, pred_scores, pred_labels)


@MODELS.register_module()
class MultiLabelLinearClsHead(MultiLabelClsHead):
    """Multi-label head with one linear layer.

    Args:
        num_classes: number of classes.
        in_channels: feature dimension.
        **kwargs: as :class:`MultiLabelClsHead` (loss, thr, topk).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: Union[dict, nn.Module] = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01)) -> None:
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        init_linear_classifier(self, num_classes, in_channels)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))


__all__ = ['MultiLabelClsHead', 'MultiLabelLinearClsHead']
