"""Builders of the MMClassification 1.x API (``from mmcls.models import build_classifier``).

Every model part lives in the one ``MODELS`` registry; these names are kept because
MMClassification 1.x user code calls them (e.g. ``build_backbone(dict(type='RepLKNet', ...))``).
"""
from typing import Callable, Union

import torch.nn as nn

from mmcls.registry import MODELS

# MMClassification 1.x's per-kind registry names: all are the one MODELS registry
BACKBONES = NECKS = HEADS = LOSSES = CLASSIFIERS = RETRIEVER = MODELS


def _builder(what: str, example: str) -> Callable[[Union[dict, nn.Module]], nn.Module]:
    """``build_<what>``: a module from a config dict with a ``type`` key (``example``); a module
    is returned as it is."""

    def build(cfg: Union[dict, nn.Module]) -> nn.Module:
        if isinstance(cfg, nn.Module):
            return cfg
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise TypeError(f'build_{what} expects a config dict with a "type" key, got {cfg!r}')
        return MODELS.build(cfg)

    build.__name__ = build.__qualname__ = f'build_{what}'
    build.__doc__ = f'Build a {what} (e.g. ``{example}``).'
    return build


build_backbone = _builder('backbone', "dict(type='ResNet', depth=50)")
build_neck = _builder('neck', "dict(type='GlobalAveragePooling')")
build_head = _builder('head', "dict(type='LinearClsHead', num_classes=10, in_channels=512)")
build_loss = _builder('loss', "dict(type='CrossEntropyLoss')")
build_classifier = _builder('classifier', "dict(type='ImageClassifier', backbone=...)")
build_retriever = _builder('retriever', "dict(type='ImageToImageRetriever', image_encoder=...)")


__all__ = ['build_backbone', 'build_neck', 'build_head', 'build_loss', 'build_classifier',
           'build_retriever', 'BACKBONES', 'NECKS', 'HEADS', 'LOSSES', 'CLASSIFIERS', 'RETRIEVER']
