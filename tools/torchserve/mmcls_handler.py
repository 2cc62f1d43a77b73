"""TorchServe handler for mmcls classifiers (packed by ``mmcls2torchserve.py``).

Each request's image (raw bytes, or base64 text) goes through the config's test pipeline; the
requests of one TorchServe batch share a forward pass; each answer is
``{"pred_label": int, "pred_score": float, "pred_class": str}`` (seed L2184–2196).  The module
holds exactly one class, as TorchServe requires of a handler file.
"""
from __future__ import annotations

import base64
import os.path as osp
from typing import Any, Dict, List

try:
    from ts.torch_handler.base_handler import BaseHandler
except ImportError:  # usable (and testable) without TorchServe installed
    BaseHandler = object

__all__ = ['MMclsHandler']


class MMclsHandler(BaseHandler):
    """Load ``config.py`` and the serialized checkpoint of the archive; classify images."""

    def initialize(self, context: Any) -> None:
        import torch

        from mmcls.apis import init_model
        from mmcls.deployment.preprocess import ImagePreparer, model_classes
        properties = context.system_properties
        model_dir = properties.get('model_dir')
        gpu_id = properties.get('gpu_id')
        self.device = torch.device(f'cuda:{gpu_id}' if torch.cuda.is_available()
                                   and gpu_id is not None else 'cpu')
        serialized = context.manifest['model']['serializedFile']
        checkpoint = osp.join(model_dir, serialized)
        config = osp.join(model_dir, 'config.py')
        for path in (checkpoint, config):
            if not osp.isfile(path):
                raise RuntimeError(f'model archive is missing {osp.basename(path)} '
                                   f'(looked in {model_dir})')
        self.model = init_model(config, checkpoint, device=self.device)
        self.preparer = ImagePreparer(self.model)
        self.classes = model_classes(self.model)
        self.initialized = True

    @staticmethod
    def _image_bytes(row: Dict[str, Any], index: int) -> bytes:
        image = row.get('data') if row.get('data') is not None else row.get('body')
        if isinstance(image, (bytes, bytearray)):
            return bytes(image)
        if isinstance(image, str):
            return base64.b64decode(image)
        raise ValueError(f'request {index} carries no image (send it as the body or "data")')

    def preprocess(self, data: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return [self.preparer.from_bytes(self._image_bytes(row, i), source=f'request {i}')
                for i, row in enumerate(data)]

    def inference(self, data: List[Dict[str, Any]], *args: Any, **kwargs: Any) -> list:
        import torch
        with torch.no_grad():
            return list(self.model.test_step(self.preparer.collate(data)))

    def postprocess(self, data: list) -> List[Dict[str, Any]]:
        from mmcls.deployment.preprocess import predictions_to_dicts
        return predictions_to_dicts(data, self.classes)

    def handle(self, data: List[Dict[str, Any]], context: Any) -> List[Dict[str, Any]]:
        if not getattr(self, 'initialized', False):
            self.initialize(context)
        return self.postprocess(self.inference(self.preprocess(data)))
