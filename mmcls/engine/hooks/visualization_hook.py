"""Draw every ``interval``-th validation/test prediction with the run's ``ClsVisualizer``."""
from __future__ import annotations

import math
import os.path as osp
from typing import Any, Optional, Sequence

import numpy as np

from mmcls.registry import HOOKS
from mmcls.visualization import Visualizer

from .hook import DATA_BATCH, Hook

__all__ = ['VisualizationHook']


def _to_rgb_image(tensor) -> np.ndarray:
    """A CHW (BGR or grey) uint8 input tensor as an RGB HWC uint8 array."""
    image = tensor.detach().cpu().numpy()
    if image.ndim != 3:
        raise ValueError(f'VisualizationHook: expected a CHW image tensor, got shape {image.shape}')
    image = np.transpose(image, (1, 2, 0))
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return np.ascontiguousarray(image[..., ::-1])  # the pipeline's images are BGR


def _trains_by_epoch(runner) -> bool:
    """Whether the run's train loop counts epochs (a bare ``runner.val()`` counts iterations).

    The loop's class is asked rather than the instance, so that a stand-in such as a mock
    specced on a loop class answers as that loop would.
    """
    return bool(runner.train_loop_built) and \
        getattr(runner.train_loop.__class__, 'by_epoch', False) is True


@HOOKS.register_module()
class VisualizationHook(Hook):
    """Visualise validation and test predictions (``default_hooks.visualization``).

    Args:
        enable: whether to draw anything (the default runtime disables it).
        interval: draw the samples whose global index in the loop is a multiple of it.
        show: also show each drawn image in a window.
        out_dir: write the images to this folder as ``<name>_<step>.png`` instead
            of sending them to the visualizer's storage backends.
        **kwargs: passed to ``ClsVisualizer.add_datasample`` (``rescale_factor``,
            ``draw_score``, ``wait_time``, ...).

    Each image is named after its file, extension included (``cat.jpg`` is drawn as
    ``cat.jpg`` and written as ``cat.jpg_<step>.png``), so that two files differing only in
    their extension keep apart; a sample without ``img_path`` is named by its loop index.
    """
    priority = 'NORMAL'

    def __init__(self, enable: bool = False, interval: int = 5000, show: bool = False,
                 out_dir: Optional[str] = None, **kwargs):
        if int(interval) < 1:
            raise ValueError(f'VisualizationHook: interval must be >= 1, got {interval}')
        self.enable = enable
        self.interval = int(interval)
        self.show = show
        self.out_dir = out_dir
        self.draw_args = dict(kwargs, show=show)
        self._assigned_visualizer: Optional[Visualizer] = None

    @property
    def _visualizer(self) -> Visualizer:
        """The visualizer it draws with: one assigned to this attribute, else the run's (the
        current instance)."""
        if self._assigned_visualizer is not None:
            return self._assigned_visualizer
        return Visualizer.get_current_instance()

    @_visualizer.setter
    def _visualizer(self, visualizer: Visualizer) -> None:
        self._assigned_visualizer = visualizer

    def _checked_visualizer(self, runner=None):
        """The visualizer to draw with: the assigned one, else the runner's when it is a
        :class:`Visualizer`, else the current instance (the one the runner built, in a run).

        A runner stand-in without a real visualizer therefore draws with the current one.
        """
        visualizer = self._assigned_visualizer
        if visualizer is None:
            candidate = getattr(runner, 'visualizer', None)
            visualizer = candidate if isinstance(candidate, Visualizer) else self._visualizer
        if not hasattr(visualizer, 'add_datasample'):
            raise TypeError(f'VisualizationHook needs a visualizer with add_datasample (e.g. '
                            f'visualizer=dict(type="ClsVisualizer")), the runner has '
                            f'{type(visualizer).__name__}')
        return visualizer

    def _draw_samples(self, batch_idx: int, data_batch: Any, data_samples: Sequence,
                      step: int = 0, *, runner=None, loop=None) -> None:
        """Draw every ``interval``-th sample of the loop among ``data_samples``.

        ``runner`` supplies the visualizer and ``loop`` the dataset's meta information
        and the loader's batch size (so that a short last batch keeps the global
        index); without them the current visualizer and ``len(data_samples)`` are used.
        """
        if not self.enable or not data_samples:
            return
        visualizer = self._checked_visualizer(runner)
        loader = getattr(loop, 'dataloader', None)
        metainfo = getattr(getattr(loader, 'dataset', None), 'metainfo', None)
        if getattr(visualizer, 'dataset_meta', None) is None and isinstance(metainfo, dict):
            visualizer.dataset_meta = metainfo
        inputs = data_batch['inputs']
        loader_batch_size = getattr(loader, 'batch_size', None)
        if not isinstance(loader_batch_size, int):
            loader_batch_size = len(data_samples)
        start = loader_batch_size * batch_idx
        first = math.ceil(start / self.interval) * self.interval
        for sample_id in range(first, start + len(data_samples), self.interval):
            data_sample = data_samples[sample_id - start]
            image = _to_rgb_image(inputs[sample_id - start])
            img_path = data_sample.get('img_path')
            name = osp.basename(img_path) if img_path else str(sample_id)
            draw_args = dict(self.draw_args)
            if self.out_dir is not None:
                draw_args['out_file'] = osp.join(self.out_dir, f'{name}_{step}.png')
            visualizer.add_datasample(name, image=image, data_sample=data_sample, step=step,
                                      **draw_args)

    def after_val_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                       outputs: Optional[Sequence] = None) -> None:
        """Draw the sampled predictions; the step is the epoch (or iteration) trained so far."""
        step = runner.epoch if _trains_by_epoch(runner) else runner.iter
        self._draw_samples(batch_idx, data_batch, outputs or [], step,
                           runner=runner, loop=runner.val_loop)

    def after_test_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Draw the sampled test predictions (step 0)."""
        self._draw_samples(batch_idx, data_batch, outputs or [], 0,
                           runner=runner, loop=runner.test_loop)
