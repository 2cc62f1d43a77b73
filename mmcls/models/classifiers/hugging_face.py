"""``HuggingFaceClassifier``: an image-classification model of Hugging Face transformers."""
from typing import Optional

import torch

from mmcls.registry import MODELS
from mmcls.utils.package import import_optional
from .external import ExternalModelClassifier

__all__ = ['HuggingFaceClassifier']


@MODELS.register_module()
class HuggingFaceClassifier(ExternalModelClassifier):
    """``AutoModelForImageClassification`` of ``model_name`` as a classifier.

    Args:
        model_name: a model id of the Hugging Face hub or a local directory.
        pretrained: load the published weights (``from_pretrained``); otherwise only the
            model's configuration is read and the weights are initialised.
        *model_args / **kwargs: passed to ``from_pretrained`` / ``AutoConfig.from_pretrained``
            (e.g. ``num_labels``).
        loss / train_cfg / with_cp / data_preprocessor / init_cfg: as
            :class:`~mmcls.models.classifiers.external.ExternalModelClassifier`.
    """

    def __init__(self, model_name: str, pretrained: bool = False, *model_args,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 train_cfg: Optional[dict] = None, with_cp: bool = False,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(loss=loss, train_cfg=train_cfg, with_cp=with_cp,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        transformers = import_optional('transformers', 'HuggingFaceClassifier')
        auto_model = transformers.AutoModelForImageClassification
        if pretrained:
            model = auto_model.from_pretrained(model_name, *model_args, **kwargs)
        else:
            config = transformers.AutoConfig.from_pretrained(model_name, *model_args, **kwargs)
            model = auto_model.from_config(config)
        self._finish_model(model)

    def enable_checkpointing(self) -> None:
        self.model.gradient_checkpointing_enable()

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.model(inputs).logits
