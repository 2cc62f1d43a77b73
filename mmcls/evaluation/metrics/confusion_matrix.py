"""``ConfusionMatrix``: counts of (true class, predicted class) pairs, and its plot."""
from __future__ import annotations

from itertools import product
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from mmcls.registry import METRICS
from ._utils import (ArrayLike, check_num_classes_given, gt_label_of, label_metric_inputs,
                     pred_label_of, pred_score_of, to_tensor)
from .base_metric import BaseMetric

__all__ = ['ConfusionMatrix']


@METRICS.register_module()
class ConfusionMatrix(BaseMetric):
    """Confusion matrix of a single-label task; rows are true classes.

    ``compute_metrics`` returns ``{'result': LongTensor (C, C)}`` (named
    ``confusion_matrix/result``), as MMClassification 1.x does.

    Args:
        num_classes: number of classes; taken from the score length when
            predictions carry scores.
        collect_device, prefix: see :class:`BaseMetric`.

    Example:
        >>> ConfusionMatrix.calculate([0, 1, 1, 3], [0, 2, 1, 3], num_classes=4)
        tensor([[1, 0, 0, 0],
                [0, 1, 0, 0],
                [0, 1, 0, 0],
                [0, 0, 0, 1]])
    """

    default_prefix = 'confusion_matrix'

    def __init__(self, num_classes: Optional[int] = None, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = pred_score_of(sample)
            if score is not None:
                pred_label = score.argmax(dim=0, keepdim=True)
                self.num_classes = self.num_classes or score.numel()
            else:
                pred_label = pred_label_of(sample)
            self.results.append({'pred_label': pred_label.long().flatten()[:1],
                                 'gt_label': gt_label_of(sample)[:1]})

    def compute_metrics(self, results: List[dict]) -> Dict[str, torch.Tensor]:
        if self.num_classes is None:
            raise ValueError('ConfusionMatrix: predictions carry labels but no scores, so '
                             '`num_classes` must be given to the metric')
        matrix = self.calculate(torch.cat([r['pred_label'] for r in results]),
                                torch.cat([r['gt_label'] for r in results]),
                                num_classes=self.num_classes)
        return {'result': matrix}

    @staticmethod
    def calculate(pred: ArrayLike, target: ArrayLike,
                  num_classes: Optional[int] = None) -> torch.Tensor:
        """``(C, C)`` LongTensor; ``pred`` is labels ``(N,)`` or scores ``(N, C)``."""
        pred, target = label_metric_inputs(pred, target, 'ConfusionMatrix')
        if pred.ndim == 1:
            check_num_classes_given(num_classes, 'ConfusionMatrix')
            pred_label = pred.long()
        else:
            num_classes = num_classes or pred.size(1)
            pred_label = pred.argmax(dim=1)
        for name, labels in (('pred', pred_label), ('target', target)):
            if int(labels.max()) >= num_classes or int(labels.min()) < 0:
                raise ValueError(f'{name} has labels outside [0, {num_classes})')
        indices = num_classes * target + pred_label
        return torch.bincount(indices, minlength=num_classes**2).reshape(num_classes,
                                                                         num_classes)

    @staticmethod
    def plot(confusion_matrix: torch.Tensor,
             include_values: bool = False,
             cmap: str = 'viridis',
             classes: Optional[Sequence[str]] = None,
             colorbar: bool = True,
             show: bool = True):
        """Draw the matrix with matplotlib and return the figure.

        Args:
            confusion_matrix: ``(C, C)`` counts, rows are true classes.
            include_values: write each count in its cell.
            cmap: matplotlib colour map name.
            classes: class names for the ticks (indices when None).
            colorbar: add a colour bar.
            show: call ``plt.show()``.
        """
        import matplotlib.pyplot as plt

        matrix = np.asarray(to_tensor(confusion_matrix).cpu())
        num_classes = matrix.shape[0]
        fig, ax = plt.subplots(figsize=(max(6, num_classes * 0.5), max(6, num_classes * 0.5)))
        image = ax.imshow(matrix, interpolation='nearest', cmap=cmap)
        if include_values:
            # dark text on bright cells and bright text on dark ones
            middle = (matrix.max() + matrix.min()) / 2.0
            low_color, high_color = image.cmap(0), image.cmap(1.0)
            for i, j in product(range(num_classes), range(num_classes)):
                color = high_color if matrix[i, j] < middle else low_color
                ax.text(j, i, format(matrix[i, j], 'd' if matrix.dtype.kind in 'iu' else '.2g'),
                        ha='center', va='center', color=color)
        labels = list(classes) if classes is not None else list(range(num_classes))
        if colorbar:
            fig.colorbar(image, ax=ax)
        ax.set(xticks=np.arange(num_classes), yticks=np.arange(num_classes),
               xticklabels=labels, yticklabels=labels,
               ylabel='True label', xlabel='Predicted label')
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position('top')
        ax.set_ylim((num_classes - 0.5, -0.5))
        plt.setp(ax.get_xticklabels(), rotation=45, ha='left')
        if show:
            plt.show()
        return fig
