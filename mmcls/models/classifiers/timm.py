"""``TimmClassifier``: any model of pytorch-image-models (timm) as an mmcls classifier."""
from typing import Optional

from mmcls.registry import MODELS
from mmcls.utils.package import import_optional
from .external import ExternalModelClassifier

__all__ = ['TimmClassifier']


@MODELS.register_module()
class TimmClassifier(ExternalModelClassifier):
    """A classifier made by ``timm.create_model(*args, **kwargs)``.

    Its checkpoints are timm state dicts (no ``model.`` prefix) in both directions.

    Args:
        *args / **kwargs: arguments of ``timm.create_model`` (``model_name``,
            ``pretrained``, ``num_classes``, ...).
        loss / train_cfg / with_cp / data_preprocessor / init_cfg: as
            :class:`~mmcls.models.classifiers.external.ExternalModelClassifier`.

    Example:
        >>> model = MODELS.build(dict(type='TimmClassifier', model_name='resnet18',
        ...                           num_classes=10))  # doctest: +SKIP
    """

    def __init__(self, *args, loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 train_cfg: Optional[dict] = None, with_cp: bool = False,
                 data_preprocessor: Optional[dict] = None, init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(loss=loss, train_cfg=train_cfg, with_cp=with_cp,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        timm = import_optional('timm', 'TimmClassifier')
        self._finish_model(timm.create_model(*args, **kwargs))

    def enable_checkpointing(self) -> None:
        self.model.set_grad_checkpointing()
