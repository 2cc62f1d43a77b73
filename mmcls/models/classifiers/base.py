"""BaseClassifier: the interface shared by classifiers (backbone/neck/head introspection)."""
from abc import abstractmethod
from typing import List, Optional, Sequence

import torch

from ..base_model import BaseModel


class BaseClassifier(BaseModel):
    """Base class of classifiers: ``extract_feat`` plus the ``with_neck``/``with_head`` flags.

    Args:
        init_cfg: weight initialisation config.
        data_preprocessor: config (or module) of the data preprocessor.
    """

    def __init__(self, init_cfg: Optional[dict] = None, data_preprocessor=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    @property
    def with_neck(self) -> bool:
        """Whether the classifier has a neck."""
        return getattr(self, 'neck', None) is not None

    @property
    def with_head(self) -> bool:
        """Whether the classifier has a head."""
        return getattr(self, 'head', None) is not None

    @abstractmethod
    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """Return the features of ``inputs`` at ``stage``."""

    def extract_feats(self, multi_inputs: Sequence[torch.Tensor], **kwargs) -> List:
        """Run :meth:`extract_feat` on each batch of ``multi_inputs`` (e.g. test-time views)."""
        if not isinstance(multi_inputs, Sequence):
            raise TypeError(f'extract_feats expects a sequence of input batches, got '
                            f'{type(multi_inputs).__name__}; use extract_feat for one batch')
        return [self.extract_feat(inputs, **kwargs) for inputs in multi_inputs]


__all__ = ['BaseClassifier']
