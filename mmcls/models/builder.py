"""Builders of the MMClassification 1.x API (``from mmcls.models import build_classifier``).

Every model part lives in the one ``MODELS`` registry; these names are kept because
MMClassification 1.x user code calls them (e.g. ``build_backbone(dict(type='RepLKNet', ...))``).
"""
from typing import Union

import torch.nn as nn

from mmcls.registry import MODELS

# MMClassification 1.x's per-kind registry names: all are the one MODELS registry
BACKBONES = NECKS = HEADS = LOSSES = CLASSIFIERS = RETRIEVER = MODELS


def _build(cfg: Union[dict, nn.Module], what: str) -> nn.Module:
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'build_{what} expects a config dict with a "type" key, got {cfg!r}')
    return MODELS.build(cfg)


def build_backbone(cfg: dict) -> nn.Module:
    """Build a backbone (e.g. ``dict(type='ResNet', depth=50)``)."""
    return _build(cfg, 'backbone')


def build_neck(cfg: dict) -> nn.Module:
    """Build a neck (e.g. ``dict(type='GlobalAveragePooling')``)."""
    return _build(cfg, 'neck')


def build_head(cfg: dict) -> nn.Module:
    """Build a head (e.g. ``dict(type='LinearClsHead', num_classes=10, in_channels=512)``)."""
    return _build(cfg, 'head')


def build_loss(cfg: dict) -> nn.Module:
    """Build a loss (e.g. ``dict(type='CrossEntropyLoss')``)."""
    return _build(cfg, 'loss')


def build_classifier(cfg: dict) -> nn.Module:
    """Build a whole classifier (e.g. ``dict(type='ImageClassifier', backbone=...)``)."""
    return _build(cfg, 'classifier')


def build_retriever(cfg: dict) -> nn.Module:
    """Build a retriever (e.g. ``dict(type='ImageToImageRetriever', image_encoder=...)``)."""
    return _build(cfg, 'retriever')


__all__ = ['build_backbone', 'build_neck', 'build_head', 'build_loss', 'build_classifier',
           'build_retriever', 'BACKBONES', 'NECKS', 'HEADS', 'LOSSES', 'CLASSIFIERS', 'RETRIEVER']
