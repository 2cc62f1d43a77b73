"""DeiTClsHead: average the class-token and distillation-token classifiers (DeiT distilled)."""
from typing import Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from .vision_transformer_head import VisionTransformerClsHead


@MODELS.register_module()
class DeiTClsHead(VisionTransformerClsHead):
    """Head of the distilled DeiT: ``layers.head`` on the class token and
    ``layers.head_dist`` on the distillation token, averaged.

    The backbone's last output is ``(patch_token, cls_token, dist_token)``.  Training the
    distilled model needs a teacher, which this toolbox does not provide,
    so :meth:`loss` refuses; the head is for inference with converted weights.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        width = self.in_channels if self.hidden_dim is None else self.hidden_dim
        self.layers.add_module('head_dist', nn.Linear(width, self.num_classes))

    def pre_logits(self, feats: Tuple) -> Tuple[torch.Tensor, torch.Tensor]:
        """(class token, distillation token) of the last stage, through pre-logits if any."""
        feat = feats[-1]
        if not isinstance(feat, (list, tuple)) or len(feat) < 3:
            raise TypeError('DeiTClsHead expects the backbone to output (patch_token, '
                            'cls_token, dist_token)')
        cls_token, dist_token = feat[-2], feat[-1]
        return self._transform(cls_token), self._transform(dist_token)

    def forward(self, feats: Tuple) -> torch.Tensor:
        cls_token, dist_token = self.pre_logits(feats)
        return (self.layers.head(cls_token) + self.layers.head_dist(dist_token)) / 2

    def loss(self, feats, data_samples, **kwargs) -> dict:
        raise RuntimeError('training the distilled DeiT is not supported (it needs a teacher '
                           'model); use DeiTClsHead for inference, or VisionTransformerClsHead '
                           'to train a plain DeiT')


__all__ = ['DeiTClsHead']
