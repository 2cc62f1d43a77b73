"""ConformerHead: one linear classifier per Conformer branch; predictions use their sum."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample
from .cls_head import ClsHead, gt_targets, topk_accuracy
from .linear_head import check_num_classes


@MODELS.register_module()
class ConformerHead(ClsHead):
    """Classify the ``[CNN feature, transformer feature]`` pair of the last selected block.

    Args:
        num_classes: number of classes.
        in_channels: ``(cnn_channels, transformer_channels)``.
        init_cfg: truncated-normal (std 0.02) init of both linear layers by default.
        **kwargs: as :class:`ClsHead` (loss, topk, cal_acc).

    ``forward`` returns ``(conv_cls_score, trans_cls_score)``; the loss is the sum of both
    branch losses and predictions use the summed scores.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: Sequence[int],
                 init_cfg: Optional[dict] = dict(type='TruncNormal', layer='Linear', std=0.02),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        check_num_classes(num_classes, 'ConformerHead')
        if len(in_channels) != 2:
            raise ValueError('ConformerHead: in_channels must be (cnn_channels, '
                             f'transformer_channels), got {in_channels!r}')
        self.num_classes = num_classes
        self.in_channels = tuple(in_channels)
        self.conv_cls_head = nn.Linear(self.in_channels[0], num_classes)
        self.trans_cls_head = nn.Linear(self.in_channels[1], num_classes)

    def pre_logits(self, feats: Tuple[List[torch.Tensor], ...]) -> List[torch.Tensor]:
        """The ``[cnn, transformer]`` feature pair of the last selected block."""
        return feats[-1]

    def forward(self, feats: Tuple[List[torch.Tensor], ...]) -> Tuple[torch.Tensor, torch.Tensor]:
        conv_feat, trans_feat = self.pre_logits(feats)
        return self.conv_cls_head(conv_feat), self.trans_cls_head(trans_feat)

    def predict(self, feats: Tuple[List[torch.Tensor], ...],
                data_samples: Optional[List[Optional[ClsDataSample]]] = None
                ) -> List[ClsDataSample]:
        return self._get_predictions(sum(self(feats)), data_samples)

    def _get_loss(self, cls_score: Tuple[torch.Tensor, torch.Tensor],
                  data_samples: List[ClsDataSample], **kwargs) -> dict:
        target, is_soft = gt_targets(data_samples)
        target = target.to(cls_score[0].device)
        loss = sum(self.loss_module(score, target, avg_factor=score.size(0), **kwargs)
                   for score in cls_score)
        losses = {'loss': loss}
        if self.cal_acc:
            if is_soft:
                raise ValueError('ConformerHead: cal_acc needs class-index targets; it is '
                                 'pointless with batch augments such as Mixup')
            summed = (cls_score[0] + cls_score[1]).detach()
            for k, acc in zip(self.topk, topk_accuracy(summed, target, self.topk)):
                losses[f'accuracy_top-{k}'] = acc
        return losses


__all__ = ['ConformerHead']
