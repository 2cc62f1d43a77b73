"""Keeps MMClassification 1.x's import path of ``MultiLabelLinearClsHead``, which is defined
with the other multi-label heads in :mod:`.multi_label_cls_head`."""
from .multi_label_cls_head import MultiLabelLinearClsHead

__all__ = ['MultiLabelLinearClsHead']
