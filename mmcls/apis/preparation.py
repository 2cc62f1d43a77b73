"""The one path from an image to model inputs, and from predictions to plain dicts.

``ImageClassificationInferencer``, ``mmcls serve``, the TorchServe handler, ONNX export and
verification, and CAM all prepare images here: read or decode → the config's test pipeline →
``pseudo_collate`` form (the model's data preprocessor then normalises on its device).  So every
one of them feeds a model exactly the same tensors, and turns its ``ClsDataSample`` predictions
into the same dicts.  numpy, cv2 and torch are imported on first use, so ``import mmcls.apis``
stays light.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    import numpy as np

__all__ = ['ImagePreparer', 'prediction_to_dict', 'predictions_to_dicts', 'model_classes']


def _default_color_type(model: Any) -> str:
    """Grey when the data preprocessor normalises one channel, else colour."""
    mean = getattr(getattr(model, 'data_preprocessor', None), 'mean', None)
    return 'grayscale' if mean is not None and mean.numel() == 1 else 'color'


def _match_channels(img: np.ndarray, color_type: str) -> np.ndarray:
    """A BGR/grey array converted to what the model's image loader would have produced."""
    import cv2
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if color_type == 'grayscale' and img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        return cv2.cvtColor(img, code)
    if color_type != 'grayscale' and img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if color_type != 'grayscale' and img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


class ImagePreparer:
    """Read, decode and transform images for ``model`` with its config's test pipeline.

    Args:
        model: a classifier carrying its config as ``model.cfg`` (as ``get_model`` and
            ``init_model`` build it).

    ``from_file``/``from_bytes``/``from_array``/``prepare`` return the packed sample
    (``dict(inputs=uint8 CHW tensor, data_samples=ClsDataSample)``); undecodable input is a
    ``ValueError`` and a missing file a ``FileNotFoundError``, both naming the source.
    """

    def __init__(self, model: Any):
        from mmcls.datasets.transforms.wrappers import Compose

        from .config_info import get_test_pipeline
        config = getattr(model, 'cfg', None)
        if config is None:
            raise ValueError('the model carries no config (model.cfg); build it with get_model '
                             'or init_model, or pass a model name or config path')
        transforms, load_cfg = get_test_pipeline(config)
        self.pipeline = Compose(transforms)
        self.color_type = load_cfg.get('color_type') or _default_color_type(model)
        self.backend = load_cfg.get('imdecode_backend', 'cv2')
        self.config = config

    # ------------------------------------------------------------ reading
    def decode(self, content: bytes, source: str = '<bytes>') -> np.ndarray:
        """Encoded bytes → the uint8 BGR (or grey) array the model's loader would give."""
        from mmcls.datasets.transforms.image_io import imfrombytes
        if not content:
            raise ValueError(f'{source}: empty image')
        return imfrombytes(content, flag=self.color_type, backend=self.backend, source=source)

    def read(self, path: Union[str, os.PathLike]) -> np.ndarray:
        """An image file decoded as the model's loader would decode it."""
        from mmcls.datasets.transforms.image_io import imread
        path = os.fspath(path)
        if not osp.isfile(path):
            raise FileNotFoundError(f'input image {path} does not exist')
        return imread(path, flag=self.color_type, backend=self.backend)

    def load(self, item: Any) -> Tuple[np.ndarray, Optional[str]]:
        """A path or a BGR/grey ndarray → (the decoded image, its path or None)."""
        import numpy as np
        if isinstance(item, np.ndarray):
            return _match_channels(item, self.color_type), None
        if isinstance(item, (str, os.PathLike)):
            return self.read(item), os.fspath(item)
        raise TypeError(f'each input must be an image path or an ndarray, got '
                        f'{type(item).__name__}')

    # ------------------------------------------------------------ transforming
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

    def from_file(self, path: Union[str, os.PathLike]) -> Dict[str, Any]:
        return self.from_array(self.read(path), os.fspath(path))

    def prepare(self, item: Any) -> Tuple[Dict[str, Any], np.ndarray]:
        """Load and transform a path or ndarray; returns the packed sample and the image."""
        img, path = self.load(item)
        return self.from_array(img, path), img

    @staticmethod
    def collate(packed: Sequence[Dict[str, Any]]) -> Dict[str, List[Any]]:
        """The ``pseudo_collate`` form the data preprocessor takes."""
        return dict(inputs=[p['inputs'] for p in packed],
                    data_samples=[p['data_samples'] for p in packed])


def prediction_to_dict(sample: Any, classes: Optional[Sequence[str]],
                       with_scores: bool = True) -> Dict[str, Any]:
    """One ``ClsDataSample`` prediction → ``{pred_scores, pred_label, pred_score, pred_class}``.

    ``pred_scores`` (an ndarray of every class score) only ``with_scores`` (leave it out for
    JSON answers); ``pred_class`` only when class names are known.  The label is the one the
    head predicted, else the highest score.
    """
    pred = sample.pred_label
    scores = pred.score.detach().float().cpu().numpy()
    has_label = 'label' in pred and len(pred.label)
    label = int(pred.label[0]) if has_label else int(scores.argmax())
    result: Dict[str, Any] = {'pred_scores': scores} if with_scores else {}
    result.update(pred_label=label, pred_score=float(scores[label]))
    if classes is not None and label < len(classes):
        result['pred_class'] = str(classes[label])
    return result


def predictions_to_dicts(samples: Sequence[Any], classes: Optional[Sequence[str]],
                         with_scores: bool = False) -> List[Dict[str, Any]]:
    """:func:`prediction_to_dict` of each sample; without ``pred_scores`` by default
    (the TorchServe answer form)."""
    return [prediction_to_dict(sample, classes, with_scores) for sample in samples]


def model_classes(model: Any) -> Optional[Tuple[str, ...]]:
    """Class names of ``model``: those its weights carry (``model.CLASSES``), else its
    config's dataset."""
    from .config_info import classes_from_config
    found = getattr(model, 'CLASSES', None)
    if found:
        return tuple(found)
    config = getattr(model, 'cfg', None)
    return classes_from_config(config) if config is not None else None
