"""Classifiers around a model built by another library (timm, Hugging Face transformers).

The external model maps images to logits; the loss and the predictions are those of a
layer-free :class:`~mmcls.models.heads.ClsHead`.  Checkpoints are saved without the
``model.`` prefix of the wrapped model, so the other library loads them as they are, and its
own checkpoints load here directly.
"""
from typing import Optional, Union

import torch
import torch.nn as nn

from ..base_model import preprocessor_with_augments
from ..heads.cls_head import ClsHead
from .base import BaseClassifier

__all__ = ['ExternalModelClassifier']

MODEL_PREFIX = 'model.'


class ExternalModelClassifier(BaseClassifier):
    """Base of the wrappers: ``self.model`` (set by the subclass) gives the logits.

    Args:
        loss: the classification loss config (or module).
        train_cfg: ``dict(augments=...)`` batch augments for the data preprocessor.
        with_cp: gradient checkpointing, switched on through the subclass's
            :meth:`enable_checkpointing`.
        data_preprocessor: data preprocessor config; ``ClsDataPreprocessor`` by default.
        init_cfg: weight initialisation config.
    """

    def __init__(self,
                 loss: Union[dict, nn.Module] = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 train_cfg: Optional[dict] = None,
                 with_cp: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=preprocessor_with_augments(data_preprocessor,
                                                                      train_cfg))
        self.head = ClsHead(loss=loss)
        self.with_cp = with_cp
        self.register_state_dict_post_hook(_drop_model_prefix)
        self.register_load_state_dict_pre_hook(_add_model_prefix)

    @property
    def loss_module(self) -> nn.Module:
        return self.head.loss_module

    def _finish_model(self, model: nn.Module) -> None:
        self.model = model
        if self.with_cp:
            self.enable_checkpointing()

    def enable_checkpointing(self) -> None:
        raise TypeError(f'{type(self).__name__} does not support with_cp=True')

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[list] = None,
                mode: str = 'tensor'):
        """``'tensor'``: logits; ``'loss'``: ``{'loss': ...}``; ``'predict'``: data samples."""
        return self._forward_by_mode(inputs, data_samples, mode, self.logits)

    def extract_feat(self, inputs: torch.Tensor, stage: str = 'neck'):
        """The wrapped model's ``forward_features`` output (timm models have one)."""
        if not hasattr(self.model, 'forward_features'):
            raise TypeError(f'{type(self.model).__name__} has no forward_features(); '
                            f'{type(self).__name__} cannot extract features from it')
        return self.model.forward_features(inputs)

    def loss(self, inputs: torch.Tensor, data_samples: list, **kwargs) -> dict:
        return self.head.loss((self.logits(inputs), ), data_samples, **kwargs)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[list] = None) -> list:
        return self.head.predict((self.logits(inputs), ), data_samples)


def _drop_model_prefix(module, state_dict, prefix, local_metadata) -> None:
    """``<prefix>model.x`` → ``<prefix>x`` in the saved state dict (in place, order kept)."""
    old = prefix + MODEL_PREFIX
    items = list(state_dict.items())
    state_dict.clear()
    for key, value in items:
        state_dict[prefix + key[len(old):] if key.startswith(old) else key] = value


def _add_model_prefix(module, state_dict, prefix, local_metadata, strict, missing_keys,
                      unexpected_keys, error_msgs) -> None:
    """The inverse on load: the wrapped model's keys get ``model.`` back."""
    own = (prefix + MODEL_PREFIX, prefix + 'data_preprocessor.', prefix + 'head.')
    for key in [k for k in state_dict if k.startswith(prefix) and not k.startswith(own)]:
        state_dict[prefix + MODEL_PREFIX + key[len(prefix):]] = state_dict.pop(key)
