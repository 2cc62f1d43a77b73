"""ClsHead: the single-label classification head (loss, accuracy, softmax predictions)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample
from ..builder import build_loss
from .base_head import BaseHead


def topk_accuracy(scores: torch.Tensor, target: torch.Tensor,
                  topk: Sequence[int]) -> List[torch.Tensor]:
    """Percentage of samples whose label is among the ``k`` highest scores, for each ``k``."""
    maxk = min(max(topk), scores.size(1))
    pred = scores.topk(maxk, dim=1).indices
    hits = pred == target.view(-1, 1)
    return [hits[:, :min(k, maxk)].any(dim=1).float().mean() * 100. for k in topk]


def gt_targets(data_samples: Sequence[ClsDataSample]) -> Tuple[torch.Tensor, bool]:
    """Stack the ground truth of a batch: scores (N, C) when batch augments set them
    (soft targets), else the class indices (N,). Returns (target, is_soft)."""
    if not data_samples:
        raise ValueError('the batch has no data samples to compute a loss against')
    if 'gt_label' not in data_samples[0]:
        raise KeyError('data samples have no gt_label; set it with set_gt_label()')
    if 'score' in data_samples[0].gt_label:
        return torch.stack([s.gt_label.score for s in data_samples]), True
    return torch.cat([s.gt_label.label for s in data_samples]), False


def attach_predictions(data_samples: Optional[Sequence[Optional[ClsDataSample]]],
                       scores: torch.Tensor,
                       labels: Sequence[torch.Tensor]) -> List[ClsDataSample]:
    """Set the ``pred_score``/``pred_label`` of each sample of a batch; a sample that is None
    (or every sample, when ``data_samples`` is None) becomes a new :class:`ClsDataSample`."""
    if data_samples is None:
        data_samples = [None] * scores.size(0)
    results = []
    for sample, score, label in zip(data_samples, scores, labels):
        sample = ClsDataSample() if sample is None else sample
        results.append(sample.set_pred_score(score).set_pred_label(label))
    return results


class LastFeatureHead(BaseHead):
    """A head without layers of its own: :meth:`pre_logits` is the last feature and
    :meth:`forward` returns it as the logits. Subclasses add layers by overriding both."""

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The feature the final classification layer takes: the last stage's output."""
        return feats[-1]

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Raw class scores (no softmax or sigmoid)."""
        return self.pre_logits(feats)


@MODELS.register_module()
class ClsHead(LastFeatureHead):
    """Classification head without layers of its own: the logits are the last feature.

    Subclasses add layers by overriding :meth:`pre_logits` and :meth:`forward`.

    Args:
        loss: loss config, ``CrossEntropyLoss`` by default.
        topk: the k of the top-k accuracy logged with ``cal_acc``.
        cal_acc: log the training accuracy (pointless with mixup-like soft targets).
        init_cfg: weight initialisation config.
    """

    def __init__(self,
                 loss: Union[dict, nn.Module] = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 topk: Union[int, Tuple[int, ...]] = (1, ),
                 cal_acc: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        if not self.topk or any(k <= 0 for k in self.topk):
            raise ValueError(f'{type(self).__name__}: topk values must be positive, got {topk!r}')
        self.loss_module = build_loss(loss)
        self.cal_acc = cal_acc

    def loss(self, feats: Tuple[torch.Tensor, ...], data_samples: List[ClsDataSample],
             **kwargs) -> dict:
        """``{'loss': ...}`` (plus ``accuracy_top-k`` with ``cal_acc``) for a batch."""
        return self._get_loss(self(feats), data_samples, **kwargs)

    def _get_loss(self, cls_score: torch.Tensor, data_samples: List[ClsDataSample],
                  **kwargs) -> dict:
        target, is_soft = gt_targets(data_samples)
        target = target.to(cls_score.device)
        losses = {'loss': self.loss_module(cls_score, target, avg_factor=cls_score.size(0),
                                           **kwargs)}
        if self.cal_acc:
            if is_soft:
                raise ValueError(f'{type(self).__name__}: cal_acc needs class-index targets; '
                                 'it is pointless with batch augments such as Mixup')
            for k, acc in zip(self.topk, topk_accuracy(cls_score.detach(), target, self.topk)):
                losses[f'accuracy_top-{k}'] = acc
        return losses

    def predict(self, feats: Tuple[torch.Tensor, ...],
                data_samples: Optional[List[Optional[ClsDataSample]]] = None) -> List[ClsDataSample]:
        """Softmax scores and the argmax label of each sample, as ``pred_label``."""
        return self._get_predictions(self(feats), data_samples)

    def _get_predictions(self, cls_score: torch.Tensor,
                         data_samples: Optional[List[Optional[ClsDataSample]]]) -> List[ClsDataSample]:
        pred_scores = F.softmax(cls_score, dim=1)
        pred_labels = pred_scores.argmax(dim=1, keepdim=True).detach()
        return attach_predictions(data_samples, pred_scores, pred_labels)


__all__ = ['ClsHead', 'LastFeatureHead', 'attach_predictions', 'topk_accuracy', 'gt_targets']
