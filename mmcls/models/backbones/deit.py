"""DeiT's distilled Vision Transformer: a second (distillation) token next to the class token."""
from typing import List

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.weight_init import has_pretrained_init, trunc_normal_
from .vision_transformer import VisionTransformer


@MODELS.register_module()
class DistilledVisionTransformer(VisionTransformer):
    """ViT with a ``dist_token`` (Touvron et al. 2021); layers output ``[patch, cls, dist]``.

    ``DeiTClsHead`` averages the class-token and distillation-token predictions at test time.
    Arguments are those of :class:`VisionTransformer`; the default arch is ``'deit-base'``.
    """
    num_extra_tokens = 2

    def __init__(self, arch: str = 'deit-base', *args, **kwargs) -> None:
        super().__init__(arch, *args, **kwargs)

    def _add_extra_tokens(self) -> None:
        self.dist_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))

    def _token_params(self) -> List[nn.Parameter]:
        return [self.cls_token, self.dist_token]

    def init_weights(self) -> None:
        super().init_weights()
        if not has_pretrained_init(self.init_cfg):
            trunc_normal_(self.dist_token, std=0.02)


__all__ = ['DistilledVisionTransformer']
