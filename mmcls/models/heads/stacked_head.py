"""StackedLinearClsHead: an MLP classifier (linear -> norm -> act -> dropout blocks)."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.activation import build_activation_layer
from ..utils.base_module import BaseModule, ModuleList
from ..utils.norm import build_norm_layer
from .cls_head import ClsHead
from .linear_head import init_class_dims


class LinearBlock(BaseModule):
    """``fc`` then optional ``norm``, activation ``act`` and ``dropout``."""

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 dropout_rate: float = 0.,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fc = nn.Linear(in_channels, out_channels)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1] if norm_cfg else None
        self.act = build_activation_layer(act_cfg) if act_cfg else None
        self.dropout = nn.Dropout(p=dropout_rate) if dropout_rate > 0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc(x)
        for layer in (self.norm, self.act, self.dropout):
            if layer is not None:
                x = layer(x)
        return x


def _hidden_widths(mid_channels: Sequence[int]) -> List[int]:
    """``mid_channels`` as a list; a :class:`TypeError` when it is not a sequence of widths."""
    if not isinstance(mid_channels, Sequence) or isinstance(mid_channels, str):
        raise TypeError(f'StackedLinearClsHead: mid_channels must be a sequence of ints, '
                        f'got {type(mid_channels).__name__}')
    return list(mid_channels)


@MODELS.register_module()
class StackedLinearClsHead(ClsHead):
    """Hidden linear blocks of ``mid_channels`` widths, then a linear classifier.

    Args:
        num_classes: number of classes.
        in_channels: feature dimension.
        mid_channels: widths of the hidden blocks.
        dropout_rate: dropout after each hidden block.
        norm_cfg / act_cfg: norm and activation of the hidden blocks.
        **kwargs: as :class:`ClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 mid_channels: Sequence[int],
                 dropout_rate: float = 0.,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        init_class_dims(self, num_classes, in_channels)
        self.mid_channels = _hidden_widths(mid_channels)
        self.dropout_rate = dropout_rate
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        widths = [in_channels, *self.mid_channels]
        blocks = [
            LinearBlock(c_in, c_out, dropout_rate=dropout_rate, norm_cfg=norm_cfg, act_cfg=act_cfg)
            for c_in, c_out in zip(widths[:-1], widths[1:])
        ]
        blocks.append(LinearBlock(widths[-1], num_classes))
        self.layers = ModuleList(blocks)

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The output of the hidden blocks."""
        x = feats[-1]
        for layer in self.layers[:-1]:
            x = layer(x)
        return x

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return self.layers[-1](self.pre_logits(feats))


__all__ = ['StackedLinearClsHead', 'LinearBlock']
