"""ImageClassifier: backbone -> neck -> head, the classifier of every zoo config."""
from typing import List, Optional, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..base_model import build_component, preprocessor_with_augments
from .base import BaseClassifier

FEATURE_STAGES = ('backbone', 'neck', 'pre_logits')


@MODELS.register_module()
class ImageClassifier(BaseClassifier):
    """Image classifier made of a backbone, an optional neck and an optional head.

    Args:
        backbone: backbone config (or module).
        neck: neck config, a list of neck configs (applied in order), or None.
        head: head config, or None for a feature extractor.
        pretrained: checkpoint to load, shorthand for ``init_cfg=dict(type='Pretrained', ...)``.
        train_cfg: training settings; ``train_cfg=dict(augments=[...])`` is handed to the data
            preprocessor as its ``batch_augments`` (Mixup, CutMix...).
        data_preprocessor: data preprocessor config; the type defaults to ``ClsDataPreprocessor``.
        init_cfg: weight initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[Union[dict, List[dict]]] = None,
                 head: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if pretrained is not None:
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        head_classes = (head.get('num_classes') if isinstance(head, dict)
                        else getattr(head, 'num_classes', None))
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=preprocessor_with_augments(
                             data_preprocessor, train_cfg, num_classes=head_classes))
        self.backbone = build_component(backbone)
        self.neck = build_component(neck)
        self.head = build_component(head)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """``'tensor'``: head output (or features without a head); ``'loss'``: a dict of
        losses; ``'predict'``: a list of ``ClsDataSample`` with ``pred_label``."""
        return self._forward_by_mode(inputs, data_samples, mode, self._head_outputs)

    def _head_outputs(self, inputs: torch.Tensor):
        feats = self.extract_feat(inputs)
        return self.head(feats) if self.with_head else feats

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """Features of ``inputs`` after the ``'backbone'``, the ``'neck'`` (default) or the
        head's ``'pre_logits'``; usually a tuple with one entry per output stage.

        Example:
            >>> model = get_model('resnet18_8xb32_in1k')
            >>> [f.shape for f in model.extract_feat(torch.rand(1, 3, 224, 224))]
            [torch.Size([1, 512])]
        """
        if stage not in FEATURE_STAGES:
            raise ValueError(f'stage must be one of {FEATURE_STAGES}, got {stage!r}')
        x = self.backbone(inputs)
        if stage == 'backbone':
            return x
        if self.with_neck:
            x = self.neck(x)
        if stage == 'neck':
            return x
        if not self.with_head or not hasattr(self.head, 'pre_logits'):
            raise ValueError(f'stage "pre_logits" needs a head with pre_logits(); '
                             f'{type(self).__name__} has head {type(self.head).__name__}')
        return self.head.pre_logits(x)

    def loss(self, inputs: torch.Tensor, data_samples: list) -> dict:
        """Losses of a batch against its ground-truth ``data_samples``."""
        if not self.with_head:
            raise ValueError('ImageClassifier.loss needs a head')
        return self.head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None, **kwargs) -> list:
        """Predictions of a batch as ``ClsDataSample`` objects (filled in place if given)."""
        if not self.with_head:
            raise ValueError('ImageClassifier.predict needs a head')
        return self.head.predict(self.extract_feat(inputs), data_samples, **kwargs)


__all__ = ['ImageClassifier']
