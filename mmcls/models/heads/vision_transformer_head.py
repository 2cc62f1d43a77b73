"""VisionTransformerClsHead: classify the class token (optionally through a tanh layer)."""
import math
from collections import OrderedDict
from typing import Optional, Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.weight_init import has_pretrained_init
from .cls_head import ClsHead
from .linear_head import check_num_classes


def last_token(feat, index: int = -1) -> torch.Tensor:
    """The class token of a backbone output: a (N, C) tensor as is, or the entry ``index``
    of a ``(patch_token, cls_token, ...)`` tuple/list (MMClassification 1.0.0rc6 layout)."""
    if isinstance(feat, torch.Tensor):
        return feat
    if isinstance(feat, (list, tuple)):
        return feat[index]
    raise TypeError(f'expected a tensor or a (patch_token, cls_token) pair, got '
                    f'{type(feat).__name__}')


@MODELS.register_module()
class VisionTransformerClsHead(ClsHead):
    """Linear head on the class token, with an optional ``hidden_dim`` pre-logits layer.

    Args:
        num_classes: number of classes.
        in_channels: token dimension.
        hidden_dim: width of the pre-logits layer (None: no such layer).
        act_cfg: activation of the pre-logits layer (Tanh).
        init_cfg: weight initialisation (zeros for the linear layers by default).
        **kwargs: as :class:`ClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 hidden_dim: Optional[int] = None,
                 act_cfg: dict = dict(type='Tanh'),
                 init_cfg: Optional[dict] = dict(type='Constant', layer='Linear', val=0),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        check_num_classes(num_classes, type(self).__name__)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.hidden_dim = hidden_dim
        self.act_cfg = act_cfg
        if hidden_dim is None:
            layers = [('head', nn.Linear(in_channels, num_classes))]
        else:
            layers = [('pre_logits', nn.Linear(in_channels, hidden_dim)),
                      ('act', build_activation_layer(act_cfg)),
                      ('head', nn.Linear(hidden_dim, num_classes))]
        self.layers = nn.Sequential(OrderedDict(layers))

    def init_weights(self) -> None:
        super().init_weights()
        if self.hidden_dim is not None and not has_pretrained_init(self.init_cfg):
            # LeCun-normal pre-logits layer, as ClassyVision does
            fc = self.layers.pre_logits
            nn.init.trunc_normal_(fc.weight, std=math.sqrt(1 / fc.in_features))
            nn.init.zeros_(fc.bias)

    def _transform(self, token: torch.Tensor) -> torch.Tensor:
        if self.hidden_dim is None:
            return token
        return self.layers.act(self.layers.pre_logits(token))

    def pre_logits(self, feats: Tuple) -> torch.Tensor:
        """The class token of the last stage, through the pre-logits layer if any."""
        return self._transform(last_token(feats[-1]))

    def forward(self, feats: Tuple) -> torch.Tensor:
        return self.layers.head(self.pre_logits(feats))


__all__ = ['VisionTransformerClsHead', 'last_token']
