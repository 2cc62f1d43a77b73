"""BaseModel: the model interface the runner drives (MMEngine's ``BaseModel`` contract).

A model owns its ``data_preprocessor`` (built from a config, ``ClsDataPreprocessor`` by
default) and exposes ``forward(inputs, data_samples, mode)`` with the modes ``'tensor'``
(raw outputs), ``'loss'`` (a dict of losses) and ``'predict'`` (data samples), plus the
``train_step`` / ``val_step`` / ``test_step`` the loops call.
"""
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from .utils.base_module import BaseModule

DEFAULT_PREPROCESSOR = 'ClsDataPreprocessor'


def build_data_preprocessor(cfg: Optional[Union[dict, nn.Module]]) -> nn.Module:
    """Build a data preprocessor from a config (type defaults to ``ClsDataPreprocessor``)."""
    if isinstance(cfg, nn.Module):
        return cfg
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        raise TypeError(f'data_preprocessor must be a dict, an nn.Module or None, '
                        f'got {type(cfg).__name__}')
    cfg = dict(cfg)
    cfg.setdefault('type', DEFAULT_PREPROCESSOR)
    return MODELS.build(cfg)


def preprocessor_with_augments(data_preprocessor: Optional[Union[dict, nn.Module]],
                               train_cfg: Optional[dict],
                               num_classes: Optional[int] = None) -> Union[dict, nn.Module]:
    """The preprocessor config of a model, with ``train_cfg.augments`` as its batch augments.

    Classifiers and retrievers take ``train_cfg=dict(augments=...)`` (where
    Mixup/CutMix are configured); the preprocessor is what applies them. ``num_classes`` (the head's) is the
    default of the preprocessor's, which one-hot labels and batch augments need.
    """
    if isinstance(data_preprocessor, nn.Module):
        return data_preprocessor
    cfg = dict(data_preprocessor or {})
    cfg.setdefault('type', DEFAULT_PREPROCESSOR)
    if train_cfg is not None and 'augments' in train_cfg:
        cfg['batch_augments'] = train_cfg
    if num_classes is not None and cfg['type'] == DEFAULT_PREPROCESSOR:
        cfg.setdefault('num_classes', num_classes)
    return cfg


def build_component(cfg: Union[dict, list, nn.Module, None]) -> Optional[nn.Module]:
    """Build a model part from a config; a list of configs becomes an ``nn.Sequential``."""
    if cfg is None or isinstance(cfg, nn.Module):
        return cfg
    if isinstance(cfg, (list, tuple)):
        return nn.Sequential(*(build_component(c) for c in cfg))
    return MODELS.build(cfg)


class BaseModel(BaseModule, metaclass=ABCMeta):
    """Base class of every trainable model.

    Args:
        data_preprocessor: config (or module) of the data preprocessor.
        init_cfg: weight initialisation config (see ``BaseModule``).
    """

    def __init__(self,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        self.data_preprocessor = build_data_preprocessor(data_preprocessor)

    @abstractmethod
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Any:
        """Run the model in ``mode`` ``'tensor'``, ``'loss'`` or ``'predict'``."""

    def _forward_by_mode(self, inputs: torch.Tensor, data_samples: Optional[list], mode: str,
                         tensor_fn: Callable[[torch.Tensor], Any]) -> Any:
        """The usual ``forward``: ``'tensor'`` → ``tensor_fn(inputs)``, ``'loss'`` →
        ``self.loss``, ``'predict'`` → ``self.predict``."""
        if mode == 'tensor':
            return tensor_fn(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'invalid mode {mode!r}; use "tensor", "loss" or "predict"')

    # -- steps the loops call ---------------------------------------------------------------
    def train_step(self, data: Union[dict, tuple, list], optim_wrapper) -> Dict[str, torch.Tensor]:
        """Preprocess, compute the losses, update the parameters; return the log variables."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed_loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        """Preprocess and predict; return the data samples with predictions."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode='predict')

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        """Same as :meth:`val_step`."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode='predict')

    def _run_forward(self, data: Union[dict, tuple, list], mode: str) -> Any:
        if isinstance(data, dict):
            return self(**data, mode=mode)
        if isinstance(data, (list, tuple)):
            return self(*data, mode=mode)
        raise TypeError(f'the output of the data preprocessor must be a dict, a list or a '
                        f'tuple, got {type(data).__name__}')

    @staticmethod
    def parse_losses(losses: Dict[str, Any]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """Sum every entry whose name contains ``'loss'``; return it and the log variables.

        Each value is a tensor (averaged) or a list of tensors (each averaged, then summed).
        The log variables start with the total ``'loss'``.
        """
        log_vars = []
        for name, value in losses.items():
            if isinstance(value, torch.Tensor):
                log_vars.append((name, value.mean()))
            elif isinstance(value, (list, tuple)) and all(isinstance(v, torch.Tensor) for v in value):
                log_vars.append((name, sum(v.mean() for v in value)))
            else:
                raise TypeError(f'loss {name!r} must be a tensor or a list of tensors, '
                                f'got {type(value).__name__}')
        loss_terms = [value for name, value in log_vars if 'loss' in name]
        if not loss_terms:
            raise ValueError(f'no entry of {sorted(losses)} has "loss" in its name; '
                             'nothing to optimise')
        loss = sum(loss_terms)
        return loss, OrderedDict([('loss', loss), *log_vars])


__all__ = ['BaseModel', 'build_data_preprocessor', 'build_component', 'preprocessor_with_augments',
           'DEFAULT_PREPROCESSOR']
