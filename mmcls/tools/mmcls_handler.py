"""TorchServe handler for mmcls classifiers (packed by ``mmcls2torchserve.py``).

Each request's image (raw bytes, or base64 text) goes through the config's test pipeline; the
requests of one TorchServe batch share a forward pass; each answer is
``{"pred_label": int, "pred_score": float, "pred_class": str}``.  Inside
TorchServe an upload that cannot be decoded is answered alone with 400 (413 when too large) and a
``{"code", "type", "message"}`` body, like ``mmcls serve``; its batch-mates are still classified.
The module holds exactly one class, as TorchServe requires of a handler file.
"""
from __future__ import annotations

import base64
import os.path as osp
from typing import Any, Dict, List, Tuple

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
        from mmcls.apis.preparation import ImagePreparer, model_classes
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
        from mmcls.apis.preparation import predictions_to_dicts
        return predictions_to_dicts(data, self.classes)

    def handle(self, data: List[Dict[str, Any]], context: Any) -> List[Dict[str, Any]]:
        """One answer per request; a bad upload raises ``ValueError`` unless ``context`` can
        report per-request statuses (TorchServe's can), which turns it into a 4xx answer."""
        if not getattr(self, 'initialized', False):
            self.initialize(context)
        report_status = getattr(context, 'set_response_status', None)
        if report_status is None:
            return self.postprocess(self.inference(self.preprocess(data)))
        return self._handle_each(data, report_status)

    def _handle_each(self, data: List[Dict[str, Any]], report_status: Any
                     ) -> List[Dict[str, Any]]:
        """Classify the decodable requests together and answer the others with 400/413.

        Without this TorchServe answers every request of the batch with 503 "Prediction
        failed" when one upload is corrupt, which blames the server for a client error.
        """
        answers: List[Dict[str, Any]] = [{} for _ in data]
        packed, indices = [], []
        for i, row in enumerate(data):
            try:
                # each answer concerns its own upload: its index in the batch means nothing
                # to the client
                packed.append(self.preparer.from_bytes(self._image_bytes(row, i),
                                                       source='upload'))
                indices.append(i)
            except ValueError as error:
                code, phrase, answers[i] = self._rejection(error)
                report_status(code, phrase, i)
        if packed:
            for i, answer in zip(indices, self.postprocess(self.inference(packed))):
                answers[i] = answer
        return answers

    @staticmethod
    def _rejection(error: ValueError) -> Tuple[int, str, Dict[str, Any]]:
        """HTTP status, reason phrase and TorchServe-style error body for a bad upload."""
        from mmcls.datasets.transforms.image_io import ImageTooLargeError
        if isinstance(error, ImageTooLargeError):
            code, phrase, kind = 413, 'Payload Too Large', 'PayloadTooLargeException'
        else:
            code, phrase, kind = 400, 'Bad Request', 'BadRequestException'
        return code, phrase, {'code': code, 'type': kind, 'message': f'invalid image: {error}'}
