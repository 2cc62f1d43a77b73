"""Inference on images: ``ImageClassificationInferencer`` and ``inference_model``.

Inputs (image paths, folders, BGR ndarrays, or any iterable of those) are
streamed: images are decoded on a small thread pool a few batches ahead, packed
by the config's test pipeline as uint8 tensors, and converted to float on the
model's device by its data preprocessor.  torch is imported on first use, so
``import mmcls.apis`` stays light for ``list_models`` (numpy is imported on use too).
"""
from __future__ import annotations

import os
import os.path as osp
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import (TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple, Union)

if TYPE_CHECKING:
    import numpy as np

from .preparation import ImagePreparer, model_classes, prediction_to_dict

__all__ = ['ImageClassificationInferencer', 'inference_model', 'list_image_files',
           'IMAGE_SUFFIXES']

InputType = Union[str, os.PathLike, 'np.ndarray']
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')
# Show a progress bar from this many inputs on (when stdout is a terminal).
_PROGRESS_MIN_INPUTS = 16


def list_image_files(folder: str) -> List[str]:
    """Image files below ``folder`` (recursive, sorted, by suffix)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(osp.join(root, name) for name in sorted(files)
                     if name.lower().endswith(IMAGE_SUFFIXES))
    if not found:
        raise FileNotFoundError(f'no image file ({", ".join(IMAGE_SUFFIXES)}) in folder {folder}')
    return found


def _expand_inputs(inputs: Any) -> Tuple[Iterable[InputType], Optional[int]]:
    """The inputs as an iterable of single images, and their number when known."""
    import numpy as np
    if isinstance(inputs, (str, os.PathLike)):
        path = os.fspath(inputs)
        if osp.isdir(path):
            files = list_image_files(path)
            return files, len(files)
        return [path], 1
    if isinstance(inputs, np.ndarray):
        if inputs.ndim == 4:  # N x H x W x C
            return list(inputs), len(inputs)
        return [inputs], 1
    if isinstance(inputs, (list, tuple)):
        return inputs, len(inputs)
    if isinstance(inputs, Iterable):
        return inputs, None
    raise TypeError(f'inputs must be an image path, a folder, an ndarray or an iterable of '
                    f'those, got {type(inputs).__name__}')


def _prefetch(items: Iterable, fn: Callable, depth: int) -> Iterator:
    """``fn(item)`` for each item, computed on threads at most ``depth`` items ahead."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _to_rgb(img: np.ndarray) -> np.ndarray:
    import numpy as np
    return img if img.ndim == 2 else np.ascontiguousarray(img[..., ::-1])


def _build_model(model: Any, weights: Optional[str], device: Any):
    import torch.nn as nn

    from .model import _is_config_path, _load_weights, get_model, init_model
    from .model_index import get_model_info
    if isinstance(model, nn.Module):
        if weights is not None:
            _load_weights(model, weights)
        if device is not None:
            model.to(device)
        return model.eval()
    from mmcls.config import Config
    if isinstance(model, Config) or _is_config_path(model) or (
            isinstance(model, (str, os.PathLike)) and osp.isfile(os.fspath(model))):
        return init_model(model, weights, device=device)
    if not isinstance(model, str):
        raise TypeError(f'model must be a model name, a config (path or Config) or an '
                        f'nn.Module, got {type(model).__name__}')
    pretrained: Union[bool, str] = weights if weights is not None else True
    if weights is None and not get_model_info(model)['weights']:
        import warnings
        warnings.warn(f'{model} has no pre-defined weights: its weights are random; pass '
                      f'weights=<path or URL>')
        pretrained = False
    return get_model(model, pretrained=pretrained, device=device)


class ImageClassificationInferencer:
    """The inferencer for image classification.

    Args:
        model: a model name (see :meth:`list_models`), a config path or ``Config``,
            or a model built by :func:`get_model`/:func:`init_model`.
        weights: checkpoint path or URL; None loads a name's zoo weights.
        device: where to run; None keeps the model's device (CPU for new models).
        classes: class names; by default those saved in the checkpoint
            (``meta['dataset_meta']``), else those of the config's dataset.

    Example:
        >>> inferencer = ImageClassificationInferencer('resnet50_8xb32_in1k')
        >>> inferencer('demo/demo.JPEG')[0]['pred_class']
        'sea snake'
    """

    # The ``__call__`` arguments handed on to :meth:`visualize`.
    visualize_kwargs: set = {'rescale_factor', 'draw_score', 'show', 'show_dir', 'wait_time'}

    def __init__(self, model: Any, weights: Optional[str] = None, device: Any = None,
                 classes: Optional[Sequence[str]] = None):
        self.model = _build_model(model, weights, device)
        self.preparer = ImagePreparer(self.model)
        self.config = self.preparer.config
        self.classes = tuple(classes) if classes is not None else model_classes(self.model)
        self._visualizer = None
        self._drawn_names: set = set()

    @property
    def cfg(self):
        """The model's config (rc6's name for :attr:`config`)."""
        return self.config

    @property
    def pipeline(self):
        """The config's test pipeline (without its image loader) that prepares each input."""
        return self.preparer.pipeline

    @staticmethod
    def list_models(pattern: Optional[str] = None) -> List[str]:
        """All model names, or those matching the wildcard ``pattern``."""
        from .model_index import list_models
        return list_models(pattern)

    # ------------------------------------------------------------ running
    def __call__(self,
                 inputs: Any,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 rescale_factor: Optional[float] = None,
                 draw_score: bool = True,
                 show: bool = False,
                 show_dir: Optional[str] = None,
                 wait_time: float = 0,
                 stage: Optional[str] = None,
                 progress: Optional[bool] = None) -> list:
        """Classify ``inputs``: a path, a folder, a BGR ndarray, or an iterable of paths/ndarrays.

        Each batch goes through :meth:`preprocess`, :meth:`forward`, :meth:`visualize` and
        :meth:`postprocess`, so subclasses can override any one step.

        Args:
            return_datasamples: return ``ClsDataSample`` objects instead of dicts.
            batch_size: images per forward pass.
            rescale_factor: resize the drawn images (e.g. 8 for 28x28 inputs).
            draw_score: write the predicted score on the drawn images.
            show: show each drawn image in a window for ``wait_time`` seconds.
            show_dir: save the drawn images there (``<image name>.png``).
            stage: return features instead of predictions: ``'backbone'``,
                ``'neck'`` or ``'pre_logits'`` (see ``ImageClassifier.extract_feat``).
            progress: show a progress bar; None shows it for long inputs on a terminal.

        Returns:
            One entry per image: ``{'pred_scores': ndarray, 'pred_label': int,
            'pred_score': float, 'pred_class': str}`` (``pred_class`` when class
            names are known), a ``ClsDataSample``, or the features of ``stage``.
        """
        self._drawn_names = set()
        visualize_kwargs = dict(rescale_factor=rescale_factor, draw_score=draw_score, show=show,
                                show_dir=show_dir, wait_time=wait_time)

        def convert(ori_inputs: list, preds: list, first_index: int) -> list:
            if stage is not None:
                return self.postprocess(preds, None, return_datasamples=True)
            visualization = self.visualize(ori_inputs, preds, first_index=first_index,
                                           **visualize_kwargs)
            return self.postprocess(preds, visualization, return_datasamples)

        return self._run_batches(inputs, batch_size, progress, stage, convert)

    def _run_batches(self, inputs: Any, batch_size: int, progress: Optional[bool],
                     stage: Optional[str], convert: Callable[[list, list, int], list]) -> list:
        """Forward ``inputs`` ``batch_size`` images at a time, with an optional progress bar.

        ``convert(ori_inputs, preds, first_index)`` turns one batch's original inputs and
        forward results into the outputs it contributes (``first_index``: outputs so far).
        """
        if int(batch_size) < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        items, total = _expand_inputs(inputs)
        pending: deque = deque()  # inputs read by preprocess whose results are not out yet

        def recorded() -> Iterator:
            for item in items:
                pending.append(item)
                yield item

        bar = self._progress_bar(total, progress)
        outputs: list = []
        try:
            for data in self.preprocess(recorded(), int(batch_size)):
                preds = self.forward(data, stage)
                ori_inputs = [pending.popleft() for _ in preds]
                outputs.extend(convert(ori_inputs, preds, len(outputs)))
                if bar is not None:
                    bar.advance(len(preds))
        finally:
            if bar is not None:
                bar.stop()
        return outputs

    def preprocess(self, inputs: Iterable[InputType], batch_size: int = 1) -> Iterator[dict]:
        """Load and transform ``inputs`` (paths or BGR ndarrays), yielding collated batches.

        Images are decoded on threads a few batches ahead; each batch is the
        ``dict(inputs=[uint8 CHW tensors], data_samples=[ClsDataSample])`` that
        ``model.test_step`` takes.
        """
        items, _ = _expand_inputs(inputs)
        for batch in self._batches(items, int(batch_size)):
            yield ImagePreparer.collate([sample for sample, _ in batch])

    def _batches(self, items: Iterable, batch_size: int) -> Iterator[list]:
        batch: list = []
        for prepared in _prefetch(items, self.preparer.prepare, depth=2 * batch_size):
            batch.append(prepared)
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _progress_bar(self, total: Optional[int], progress: Optional[bool]):
        if progress is False or (progress is None and (total or 0) < _PROGRESS_MIN_INPUTS):
            return None
        from mmcls.core.progress import LoopProgress
        bar = LoopProgress(enable=progress)
        bar.start('Inference', total=total or 0)
        return bar if bar.active else None

    def forward(self, inputs: dict, stage: Optional[str] = None) -> list:
        """One collated batch → its ``ClsDataSample`` predictions, or with ``stage`` the
        per-image features of that stage (tensors, or tuples of tensors)."""
        import torch
        with torch.no_grad():
            if stage is None:
                return list(self.model.test_step(inputs))
            data = self.model.data_preprocessor(inputs, False)
            feats = self.model.extract_feat(data['inputs'], stage=stage)
        if isinstance(feats, torch.Tensor):
            return list(feats.cpu())
        return [tuple(f[i].cpu() for f in feats) for i in range(len(inputs['inputs']))]

    def postprocess(self, preds: list, visualization: Optional[List[np.ndarray]],
                    return_datasamples: bool = False) -> list:
        """The predictions as they are (``return_datasamples``), else as dicts
        ``{pred_scores, pred_label, pred_score, pred_class}``; ``visualization`` (the drawn
        images) is not part of the results."""
        if return_datasamples:
            return list(preds)
        return [prediction_to_dict(sample, self.classes) for sample in preds]

    # ------------------------------------------------------------ drawing
    @property
    def visualizer(self):
        """The ``ClsVisualizer`` that draws the predictions (created on first use)."""
        if self._visualizer is None:
            from mmcls.visualization.cls_visualizer import ClsVisualizer
            self._visualizer = ClsVisualizer(name=f'inferencer_{id(self)}',
                                             dataset_meta={'classes': self.classes})
        return self._visualizer

    def visualize(self,
                  ori_inputs: Sequence[InputType],
                  preds: Sequence[Any],
                  show: bool = False,
                  rescale_factor: Optional[float] = None,
                  draw_score: bool = True,
                  show_dir: Optional[str] = None,
                  wait_time: float = 0,
                  first_index: int = 0) -> Optional[List[np.ndarray]]:
        """Draw each prediction on its input image; None when neither ``show`` nor ``show_dir``.

        A drawn image is saved as ``<show_dir>/<file stem>.png`` (``<index>.png`` for an
        ndarray input, counting from ``first_index``; a repeated name gets ``_<index>``).

        Returns:
            The drawn RGB images, one per input.
        """
        if not show and show_dir is None:
            return None
        drawn = []
        for offset, (input_, sample) in enumerate(zip(ori_inputs, preds)):
            image, path = self.preparer.load(input_)
            name = self._drawn_name(path, first_index + offset)
            out_file = osp.join(show_dir, f'{name}.png') if show_dir is not None else None
            self.visualizer.add_datasample(name, _to_rgb(image), sample, draw_gt=False,
                                           draw_score=draw_score,
                                           rescale_factor=rescale_factor, show=show,
                                           wait_time=wait_time, out_file=out_file)
            drawn.append(self.visualizer.get_image())
        return drawn

    def _drawn_name(self, path: Optional[str], index: int) -> str:
        """The file stem (or the index) of a drawn image, unique among this call's images."""
        name = osp.splitext(osp.basename(path))[0] if path else str(index)
        if name in self._drawn_names:
            name = f'{name}_{index}'
        self._drawn_names.add(name)
        return name


def inference_model(model: Any, img: InputType, device: Any = None) -> Dict[str, Any]:
    """Classify one image.

    Args:
        model: a model (from :func:`get_model`/:func:`init_model`), a model
            name (its zoo weights are loaded) or a config.
        img: an image path or a BGR ndarray.
        device: where to run; None keeps the model's device.

    Returns:
        ``{'pred_scores', 'pred_label', 'pred_score', 'pred_class'}``.
    """
    return ImageClassificationInferencer(model, device=device)(img)[0]
