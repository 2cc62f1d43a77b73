"""``TIMMBackbone``: a pytorch-image-models (timm) network as an mmcls backbone."""
import warnings
from typing import Optional, Tuple

import torch

from mmcls.core.logging import print_log
from mmcls.registry import MODELS
from mmcls.utils.package import import_optional
from .base_backbone import BaseBackbone

__all__ = ['TIMMBackbone', 'print_timm_feature_info']


def print_timm_feature_info(feature_info) -> None:
    """Log the stages timm reports (channels and strides), to help writing the neck/head."""
    if feature_info is None:
        print_log('this timm backbone reports no feature_info', logger='current')
    elif isinstance(feature_info, list):
        for index, info in enumerate(feature_info):
            print_log(f'backbone feature_info[{index}]: {info}', logger='current')
    else:
        print_log(f'backbone out_indices: {feature_info.out_indices}, out_channels: '
                  f'{feature_info.channels()}, out_strides: {feature_info.reduction()}',
                  logger='current')


@MODELS.register_module()
class TIMMBackbone(BaseBackbone):
    """``timm.create_model`` without its classifier; the output is a tuple of feature maps.

    Args:
        model_name: the timm model name.
        features_only: return the feature pyramid (one map per stride) instead of the last
            features; models without that mode (ViTs) need False.
        pretrained: load timm's published weights (a bool: pass files as ``checkpoint_path``).
        checkpoint_path: a checkpoint timm loads after building the model.
        in_channels: input image channels.
        init_cfg: weight initialisation config.
        **kwargs: other arguments of ``timm.create_model``; ``norm_layer`` names a class of
            the mmcls ``MODELS`` registry.
    """

    def __init__(self, model_name: str, features_only: bool = False, pretrained: bool = False,
                 checkpoint_path: str = '', in_channels: int = 3,
                 init_cfg: Optional[dict] = None, **kwargs) -> None:
        timm = import_optional('timm', 'TIMMBackbone')
        if not isinstance(pretrained, bool):
            raise TypeError(f'TIMMBackbone: pretrained must be a bool (pass a file as '
                            f'checkpoint_path), got {pretrained!r}')
        if features_only and checkpoint_path:
            warnings.warn('TIMMBackbone: timm cannot load checkpoint_path into a '
                          'features_only model; load the weights with init_cfg instead')
        super().__init__(init_cfg)
        if 'norm_layer' in kwargs:
            kwargs['norm_layer'] = MODELS.get(kwargs['norm_layer'])
        self.timm_model = timm.create_model(model_name=model_name, features_only=features_only,
                                            pretrained=pretrained, in_chans=in_channels,
                                            checkpoint_path=checkpoint_path, **kwargs)
        if hasattr(self.timm_model, 'reset_classifier'):
            self.timm_model.reset_classifier(0, '')
        if pretrained or checkpoint_path:
            self._is_init = True  # timm's weights must not be re-initialised
        print_timm_feature_info(getattr(self.timm_model, 'feature_info', None))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        features = self.timm_model(x)
        return tuple(features) if isinstance(features, (list, tuple)) else (features, )
