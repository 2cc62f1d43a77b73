"""Data structures passed between transforms, models, metrics and visualisers."""
from .base_data_element import BaseDataElement
from .cls_data_sample import ClsDataSample, LabelData, format_label
from .multi_task_data_sample import MultiTaskDataSample

__all__ = ['BaseDataElement', 'ClsDataSample', 'LabelData', 'MultiTaskDataSample', 'format_label']
