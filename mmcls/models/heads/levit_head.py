"""LeViTClsHead: batch norm + linear classifier(s) on the pooled LeViT feature."""
from typing import Tuple

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..backbones.levit import fuse_for_deploy, fuse_parameters
from ..utils.base_module import BaseModule
from ..utils.norm import build_norm_layer
from .cls_head import ClsHead
from .linear_head import init_class_dims


class BatchNormLinear(BaseModule):
    """1-D batch norm (``norm_cfg``) followed by a linear layer (``bn`` / ``linear``)."""

    def __init__(self, in_channels: int, out_channels: int,
                 norm_cfg: dict = dict(type='BN1d')) -> None:
        super().__init__()
        self.bn = build_norm_layer(norm_cfg, in_channels)[1]
        self.linear = nn.Linear(in_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.bn(x))

    @torch.no_grad()
    def fuse(self) -> nn.Linear:
        """One linear layer equal to ``linear(bn(x))`` with the running statistics."""
        scale = self.bn.weight / (self.bn.running_var + self.bn.eps).sqrt()
        shift = self.bn.bias - self.bn.running_mean * scale
        fused = nn.Linear(self.linear.in_features, self.linear.out_features).to(scale)
        fused.weight.copy_(self.linear.weight * scale[None, :])
        fused.bias.copy_(self.linear.weight @ shift + self.linear.bias)
        return fused


@MODELS.register_module()
class LeViTClsHead(ClsHead):
    """LeViT classifier: ``head`` (and, with ``distillation``, ``head_dist`` whose logits are
    averaged with it at inference, as the converted checkpoints were trained).

    Args:
        num_classes: number of classes.
        in_channels: feature width.
        distillation: build the distillation classifier too.
        deploy: fold the batch norms into the linear layers at construction.
        **kwargs: as :class:`ClsHead`.
    """

    def __init__(self, num_classes: int = 1000, distillation: bool = True,
                 in_channels: int = None, deploy: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        init_class_dims(self, num_classes, in_channels)
        if not isinstance(in_channels, int):
            raise ValueError(f'LeViTClsHead: in_channels must be an int, got {in_channels!r}')
        self.distillation = distillation
        self.head = BatchNormLinear(in_channels, num_classes)
        if distillation:
            self.head_dist = BatchNormLinear(in_channels, num_classes)
        self.deploy = False
        if deploy:
            self.switch_to_deploy()

    def switch_to_deploy(self) -> None:
        """Fold the batch norms into the linear layers (inference only)."""
        fuse_for_deploy(self)

    def forward(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        x = self.pre_logits(feats)
        if not self.distillation:
            return self.head(x)
        if self.training:
            raise RuntimeError('LeViTClsHead: training with distillation needs a teacher, which '
                               'this toolbox does not provide; set distillation=False to train')
        return (self.head(x) + self.head_dist(x)) / 2


__all__ = ['LeViTClsHead', 'BatchNormLinear', 'fuse_parameters']
