"""Keeps MMClassification 1.x's import path ``mmcls.engine.optimizers.adan_t`` of Adan."""
from .adan import Adan

__all__ = ['Adan']
