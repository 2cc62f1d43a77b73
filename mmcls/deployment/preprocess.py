"""Turn encoded image bytes or files into model inputs with a model's test pipeline.

Shared by the deployment tools (ONNX verification, ``mmcls serve``, the TorchServe handler,
CAM): every one of them must feed the model exactly what ``ImageClassificationInferencer`` would.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

__all__ = ['ImagePreparer', 'predictions_to_dicts', 'model_classes']


def _default_color_type(model: Any) -> str:
    """Grey when the data preprocessor normalises one channel, else colour (as the inferencer)."""
    mean = getattr(getattr(model, 'data_preprocessor', None), 'mean', None)
    return 'grayscale' if mean is not None and mean.numel() == 1 else 'color'


class ImagePreparer:
    """Decode and transform images for ``model`` (built by ``get_model``/``init_model``).

    Args:
        model: a classifier carrying its config as ``model.cfg``.

    ``from_bytes``/``from_file`` return the packed sample (``dict(inputs=uint8 CHW tensor,
    data_samples=ClsDataSample)``); decoding errors are ``ValueError`` naming the source.
    """

    def __init__(self, model: Any):
        from mmcls.apis.config_info import get_test_pipeline
        from mmcls.datasets.transforms.wrappers import Compose
        config = getattr(model, 'cfg', None) or getattr(model, '_config', None)
        if config is None:
            raise ValueError('the model carries no config (model.cfg); build it with get_model '
                             'or init_model')
        transforms, load_cfg = get_test_pipeline(config)
        self.pipeline = Compose(transforms)
        self.color_type = load_cfg.get('color_type') or _default_color_type(model)
        self.backend = load_cfg.get('imdecode_backend', 'cv2')
        self.config = config

    def decode(self, content: bytes, source: str = '<bytes>') -> np.ndarray:
        """Encoded bytes → the uint8 BGR (or grey) array the model's loader would give."""
        from mmcls.datasets.transforms.image_io import imfrombytes
        if not content:
            raise ValueError(f'{source}: empty image')
        return imfrombytes(content, flag=self.color_type, backend=self.backend, source=source)

    def from_array(self, img: np.ndarray, source: Optional[str] = None) -> Dict[str, Any]:
        """Run the test pipeline on a decoded image."""
        results = dict(img=img, img_path=source, img_shape=img.shape[:2],
                       ori_shape=img.shape[:2])
        packed = self.pipeline(results)
        if packed is None or 'inputs' not in packed:
            raise RuntimeError(f'the test pipeline of {self.config.filename} dropped '
                               f'{source or "the image"} or does not end with PackClsInputs')
        return packed

    def from_bytes(self, content: bytes, source: str = '<bytes>') -> Dict[str, Any]:
        return self.from_array(self.decode(content, source), source)

    def from_file(self, path: str) -> Dict[str, Any]:
        with open(os.fspath(path), 'rb') as file:
            content = file.read()
        return self.from_bytes(content, source=os.fspath(path))

    @staticmethod
    def collate(packed: Sequence[Dict[str, Any]]) -> Dict[str, List[Any]]:
        """The ``pseudo_collate`` form the data preprocessor takes."""
        return dict(inputs=[p['inputs'] for p in packed],
                    data_samples=[p['data_samples'] for p in packed])


def predictions_to_dicts(samples: Sequence[Any],
                         classes: Optional[Sequence[str]]) -> List[Dict[str, Any]]:
    """``ClsDataSample`` predictions → TorchServe-style ``{pred_label, pred_score, pred_class}``
   ; ``pred_class`` only when class names are known."""
    results = []
    for sample in samples:
        scores = sample.pred_label.score.detach().float().cpu()
        label = int(scores.argmax())
        result: Dict[str, Any] = {'pred_label': label, 'pred_score': float(scores[label])}
        if classes is not None and label < len(classes):
            result['pred_class'] = str(classes[label])
        results.append(result)
    return results


def model_classes(model: Any) -> Optional[Sequence[str]]:
    """Class names of ``model``: its checkpoint's ``dataset_meta``, else its config's dataset."""
    from mmcls.apis.config_info import classes_from_config
    meta = getattr(model, '_dataset_meta', None) or {}
    found = meta.get('classes') or getattr(model, 'CLASSES', None)
    if found:
        return tuple(found)
    config = getattr(model, 'cfg', None)
    return classes_from_config(config) if config is not None else None
