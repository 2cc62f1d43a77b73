"""``AverageClsScoreTTA``: the prediction of a sample is the mean of its views' scores."""
from typing import List

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample

from .base_tta import BaseTTAModel

__all__ = ['AverageClsScoreTTA']


@MODELS.register_module()
class AverageClsScoreTTA(BaseTTAModel):
    """Average the predicted scores of the augmented views (``tools/test.py --tta``).

    The merged sample keeps the first view's ground truth and metainfo; its ``pred_label``
    holds the mean score and, for single-label predictions, the argmax of that mean.
    """

    def merge_preds(self, data_samples_list: List[List[ClsDataSample]]) -> List[ClsDataSample]:
        return [self._merge_single_sample(views) for views in data_samples_list]

    @staticmethod
    def _merge_single_sample(views: List[ClsDataSample]) -> ClsDataSample:
        merged = views[0].new()
        del merged.pred_label  # shared with the first view: build a fresh one
        score = sum(view.pred_label.score for view in views) / len(views)
        merged.set_pred_score(score)
        if views[0].pred_label.label.numel() == 1:
            merged.set_pred_label(score.argmax().view(1))
        return merged
