"""Data structures passed between transforms, models, metrics and visualisers."""
from .base_data_element import BaseDataElement
from .cls_data_sample import ClsDataSample, LabelData, format_label, format_score
from .multi_task_data_sample import MultiTaskDataSample
from .utils import batch_label_to_onehot, cat_batch_labels, stack_batch_scores, tensor_split

__all__ = ['BaseDataElement', 'ClsDataSample', 'LabelData', 'MultiTaskDataSample', 'format_label',
           'format_score', 'batch_label_to_onehot', 'cat_batch_labels', 'stack_batch_scores',
           'tensor_split']
