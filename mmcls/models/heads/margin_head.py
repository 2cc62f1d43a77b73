"""ArcFace head (Deng et al. 2019), with sub-centres (Deng et al. 2020) and per-class margins.

Logits are scaled cosines between the normalised feature and normalised class weights; in
training the target class's angle is increased by its margin, ``cos(theta + m)``.
"""
import math
import numbers
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample

from ..losses.utils import convert_to_one_hot
from .cls_head import ClsHead
from .linear_head import init_class_dims


class NormProduct(nn.Linear):
    """Cosine similarity to ``k`` sub-centres per class; the best sub-centre wins."""

    def __init__(self, in_features: int, out_features: int, k: int = 1, bias: bool = False,
                 feature_norm: bool = True, weight_norm: bool = True) -> None:
        super().__init__(in_features, out_features * k, bias=bias)
        self.out_features = out_features
        self.k = k
        self.feature_norm = feature_norm
        self.weight_norm = weight_norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.normalize(x) if self.feature_norm else x
        weight = F.normalize(self.weight) if self.weight_norm else self.weight
        cosine = F.linear(x, weight, self.bias)
        if self.k == 1:
            return cosine
        return cosine.view(-1, self.out_features, self.k).max(dim=2)[0]


def _margin_value(margin) -> float:
    """One margin of a sequence as a float; strings and other non-numbers are refused rather
    than parsed, so that a malformed config entry is not silently accepted."""
    if isinstance(margin, torch.Tensor) and margin.numel() == 1:
        return float(margin)
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
        raise TypeError(f'margins must hold numbers, got {type(margin).__name__} {margin!r}')
    return float(margin)


def read_margins(margins: Union[float, Sequence[float], str], num_classes: int) -> List[float]:
    """Margins from a number, a sequence, or a ``.txt`` file with one margin per line."""
    if isinstance(margins, (int, float)):
        return [float(margins)] * num_classes
    if isinstance(margins, str):
        path = Path(margins)
        if path.suffix != '.txt' or not path.is_file():
            raise ValueError(f'margins file {margins!r} must be an existing .txt file')
        values = [float(line) for line in path.read_text().split() if line.strip()]
    else:
        values = [_margin_value(m) for m in margins]
    if len(values) != num_classes:
        raise ValueError(f'got {len(values)} margins for {num_classes} classes')
    return values


@MODELS.register_module()
class ArcFaceClsHead(ClsHead):
    """Additive angular margin head.

    Args:
        num_classes: number of classes.
        in_channels: feature width.
        num_subcenters: sub-centres per class (sub-center ArcFace); 1 is plain ArcFace.
        scale: multiplier of the cosine logits.
        margins: one margin for all classes, one per class, or a ``.txt`` file of them.
        easy_margin: only add the margin where the cosine is positive.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_subcenters: int = 1,
                 scale: float = 64.,
                 margins: Union[float, Sequence[float], str] = 0.50,
                 easy_margin: bool = False,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(loss=loss, init_cfg=init_cfg)
        if num_subcenters < 1:
            raise ValueError(f'num_subcenters must be at least 1, got {num_subcenters}')
        init_class_dims(self, num_classes, in_channels)
        self.num_subcenters = num_subcenters
        self.scale = scale
        self.easy_margin = easy_margin
        self.norm_product = NormProduct(in_channels, num_classes, num_subcenters)
        self.register_buffer('margins', torch.empty(num_classes), persistent=False)
        self.register_buffer('sinm_m', torch.empty(num_classes), persistent=False)
        self.register_buffer('threshold', torch.empty(num_classes), persistent=False)
        self.set_margins(read_margins(margins, num_classes))

    def set_margins(self, margins: Union[Sequence[float], float]) -> None:
        """Replace the margins (used by ``SetAdaptiveMarginsHook``)."""
        values = torch.tensor(read_margins(margins, self.num_classes), dtype=torch.float32,
                              device=self.margins.device)
        self.margins = values
        # keep phi monotonic: past theta = pi - m fall back to a linear penalty
        self.sinm_m = torch.sin(math.pi - values) * values
        self.threshold = torch.cos(math.pi - values)

    def pre_logits(self, feats: Tuple[torch.Tensor, ...]) -> torch.Tensor:
        return feats[-1]

    def _cosine_with_margin(self, feature: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        cosine = self.norm_product(feature)
        phi = torch.cos(torch.acos(cosine.clamp(-1, 1)) + self.margins)
        if self.easy_margin:
            phi = torch.where(cosine > 0, phi, cosine)
        else:
            phi = torch.where(cosine > self.threshold, phi, cosine - self.sinm_m)
        one_hot = convert_to_one_hot(target.view(-1, 1), self.num_classes).to(cosine.dtype)
        return one_hot * phi + (1 - one_hot) * cosine

    def forward(self, feats: Tuple[torch.Tensor, ...],
                target: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Scaled cosines; with ``target`` (class indices) the margin is applied."""
        feature = self.pre_logits(feats).float()
        with torch.autocast(device_type=feature.device.type, enabled=False):
            if target is None:
                logit = self.norm_product(feature)
            else:
                logit = self._cosine_with_margin(feature, target)
        return self.scale * logit

    def loss(self, feats: Tuple[torch.Tensor, ...], data_samples: List[ClsDataSample],
             **kwargs) -> dict:
        """Loss on the margin-penalised logits of the ground-truth classes."""
        label = torch.cat([s.gt_label.label for s in data_samples]).to(feats[-1].device)
        return self._get_loss(self(feats, label), data_samples, **kwargs)


__all__ = ['NormProduct', 'ArcFaceClsHead', 'read_margins']
