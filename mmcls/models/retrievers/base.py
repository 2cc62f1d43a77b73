"""``BaseRetriever``: the interface of retrieval models (a gallery of prototype features)."""
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Union

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from ..base_model import BaseModel

__all__ = ['BaseRetriever', 'PrototypeType']

PrototypeType = Union[torch.Tensor, str, dict, DataLoader]


class BaseRetriever(BaseModel, metaclass=ABCMeta):
    """Base class of retrievers.

    Args:
        prototype: the gallery to retrieve from: a DataLoader, a dataloader config, the path
            of saved prototype features, or a tensor of them (one row per gallery item).
        data_preprocessor: data preprocessor config (or module).
        init_cfg: weight initialisation config.

    Attributes:
        prototype: as given; :meth:`prepare_prototype` turns it into features.
        prototype_inited: whether the prototype features are ready.
    """

    def __init__(self, prototype: Optional[PrototypeType] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg, data_preprocessor=data_preprocessor)
        self.prototype = prototype
        self.prototype_inited = False

    @abstractmethod
    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'loss'):
        """``'tensor'``: features; ``'loss'``: losses; ``'predict'``: ranked data samples."""

    def _not_implemented(self, method: str):
        return NotImplementedError(
            f'{type(self).__name__} does not implement {method}(); a retriever only has to '
            'define forward(), the other steps are optional')

    # The steps below are optional: a retriever that never calls them (for instance one that
    # only ranks inside forward()) need not define them, and calling a missing one says so.
    def extract_feat(self, inputs: torch.Tensor):
        """The feature vectors of a batch of images."""
        raise self._not_implemented('extract_feat')

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        """The training losses of a batch."""
        raise self._not_implemented('loss')

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List] = None, **kwargs):
        """The gallery ranking of each image of a batch."""
        raise self._not_implemented('predict')

    def matching(self, inputs: torch.Tensor) -> dict:
        """Similarities (and sorted indices) of features ``inputs`` (N, C) to the gallery."""
        raise self._not_implemented('matching')

    def prepare_prototype(self) -> None:
        """Compute the gallery features once before predicting."""
        raise self._not_implemented('prepare_prototype')

    def dump_prototype(self, path: str) -> None:
        """Save the gallery features to ``path`` (loadable as ``prototype=path``)."""
        raise self._not_implemented('dump_prototype')
