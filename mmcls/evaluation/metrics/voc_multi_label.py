"""VOC multi-label metrics: the multi-label ones, aware of "difficult" labels.

VOC annotations mark some objects difficult; the dataset records their
classes in ``gt_label_difficult``.  A class counts as difficult for an image
only if every object of that class is difficult.  By default
(``difficult_as_positive=None``, the usual VOC mAP protocol) such labels are
ignored: they count neither as positive nor as negative.  ``True`` reckons
them positive, ``False`` negative.
"""
from __future__ import annotations

from typing import Optional, Sequence

from mmcls.registry import METRICS
from ._utils import gt_label_of
from .multi_label import AveragePrecision, MultiLabelMetric, multi_label_record

__all__ = ['VOCMetricMixin', 'VOCMultiLabelMetric', 'VOCAveragePrecision']


def _difficult_of(sample) -> list:
    value = sample.get('gt_label_difficult') if hasattr(sample, 'get') else None
    if value is None:
        return []
    return [int(v) for v in (value.tolist() if hasattr(value, 'tolist') else value)]


class VOCMetricMixin:
    """Map difficult-only classes of each sample to 1, 0 or -1 (ignored) before a multi-label
    metric sees them; mix it in before the metric class, as the two VOC metrics do."""

    def __init__(self, *args, difficult_as_positive: Optional[bool] = None, **kwargs) -> None:
        if difficult_as_positive not in (None, True, False):
            raise ValueError('difficult_as_positive must be None, True or False, '
                             f'got {difficult_as_positive!r}')
        self.difficult_as_positive = difficult_as_positive
        super().__init__(*args, **kwargs)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        fill = {None: -1, True: 1, False: 0}[self.difficult_as_positive]
        for sample in data_samples:
            record = multi_label_record(sample, type(self).__name__)
            # A class also present among the non-difficult objects stays positive.
            difficult = set(_difficult_of(sample)) - set(gt_label_of(sample).tolist())
            if difficult:
                record['gt_score'][sorted(difficult)] = fill
            self.results.append(record)


@METRICS.register_module()
class VOCMultiLabelMetric(VOCMetricMixin, MultiLabelMetric):
    """:class:`MultiLabelMetric` with ``difficult_as_positive`` (default None: ignored)."""


@METRICS.register_module()
class VOCAveragePrecision(VOCMetricMixin, AveragePrecision):
    """:class:`AveragePrecision` with ``difficult_as_positive`` (default None: ignored)."""
