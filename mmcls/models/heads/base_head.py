"""The abstract base of every classification head: ``loss`` and ``predict`` on backbone/neck features."""
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Tuple

from mmcls.structures import BaseDataElement
from ..utils.base_module import BaseModule


class BaseHead(BaseModule, metaclass=ABCMeta):
    """A head turns the features of a backbone (and neck) into a loss or into predictions.

    Subclasses implement both abstract methods; a head missing one cannot be instantiated.

    Args:
        init_cfg: weight initialisation config.
    """

    def __init__(self, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)

    @abstractmethod
    def loss(self, feats: Tuple, data_samples: List[BaseDataElement]) -> dict:
        """The training losses, a dict of name -> tensor, for ``feats`` and their targets."""

    @abstractmethod
    def predict(self, feats: Tuple,
                data_samples: Optional[List[BaseDataElement]] = None) -> List[BaseDataElement]:
        """The data samples with the predictions of ``feats`` set on them."""


__all__ = ['BaseHead']
