"""``ClsVisualizer``: draw the ground truth and the prediction of a sample on its image.

The text (class index, score, class name) is drawn with OpenCV on a
half-transparent box in the top-left corner.  The drawn image goes to
``out_file`` (PNG or JPEG, by its suffix) when one is given, else to every
storage backend through ``add_image``; ``show=True`` also opens a window.
"""
from __future__ import annotations

import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from mmcls.registry import VISUALIZERS

from .visualizer import Visualizer

__all__ = ['ClsVisualizer', 'format_label_lines', 'rescale_image', 'draw_text_block',
           'write_image']

_FONT = 0  # cv2.FONT_HERSHEY_SIMPLEX


def rescale_image(image: np.ndarray, factor: float) -> np.ndarray:
    """``image`` resized by ``factor`` (nearest for enlarging, so small images stay sharp)."""
    import cv2
    if factor <= 0:
        raise ValueError(f'rescale_factor must be positive, got {factor}')
    h, w = image.shape[:2]
    size = (max(1, int(round(w * factor))), max(1, int(round(h * factor))))
    interp = cv2.INTER_NEAREST if factor > 1 else cv2.INTER_AREA
    return cv2.resize(image, size, interpolation=interp)


def format_label_lines(prefix: str, labels: Sequence[int], scores: Optional[Sequence[float]],
                       classes: Optional[Sequence[str]]) -> List[str]:
    """Lines such as ``Prediction: 3, 0.91 (Dress)``, one per label, aligned under the prefix."""
    lines = []
    for i, label in enumerate(labels):
        text = str(label)
        if scores is not None:
            text += f', {scores[i]:.2f}'
        if classes is not None and 0 <= label < len(classes):
            text += f' ({classes[label]})'
        lines.append((prefix if i == 0 else ' ' * len(prefix)) + text)
    return lines


def draw_text_block(image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Draw ``lines`` in white on a half-transparent black box at the top left of ``image``."""
    import cv2
    if not lines:
        return image
    h, w = image.shape[:2]
    # Font scale follows the image size (0.5 at 500 px) so text stays proportionate.
    scale = max(0.3, min(h, w) / 1000)
    thickness = max(1, int(round(scale * 2)))
    sizes = [cv2.getTextSize(line, _FONT, scale, thickness) for line in lines]
    line_h = max(size[0][1] + size[1] for size in sizes) + max(2, int(4 * scale))
    margin = max(2, int(6 * scale))
    box_w = max(size[0][0] for size in sizes) + 2 * margin
    box_h = line_h * len(lines) + margin
    overlay = image.copy()
    cv2.rectangle(overlay, (0, 0), (min(w, box_w), min(h, box_h)), (0, 0, 0), thickness=-1)
    image = cv2.addWeighted(overlay, 0.5, image, 0.5, 0)
    for i, line in enumerate(lines):
        baseline_y = margin + line_h * (i + 1) - sizes[i][1]
        cv2.putText(image, line, (margin, baseline_y), _FONT, scale, (255, 255, 255), thickness,
                    cv2.LINE_AA)
    return image


@VISUALIZERS.register_module()
class ClsVisualizer(Visualizer):
    """Visualizer of classification results (``visualizer=dict(type='ClsVisualizer', ...)``).

    ``dataset_meta['classes']`` (set by the runner, or passed here) turns class
    indices into names on the drawn image.
    """

    def __init__(self, name: str = 'visualizer', image: Optional[np.ndarray] = None,
                 vis_backends=None, save_dir: Optional[str] = None,
                 dataset_meta: Optional[dict] = None, **kwargs):
        super().__init__(name=name, image=image, vis_backends=vis_backends, save_dir=save_dir,
                         **kwargs)
        self.dataset_meta = dataset_meta

    def _classes(self) -> Optional[Sequence[str]]:
        return (self.dataset_meta or {}).get('classes')

    def label_lines(self, data_sample, draw_gt: bool = True, draw_pred: bool = True,
                    draw_score: bool = True) -> List[str]:
        """The text lines drawn for ``data_sample`` (ground truth first, then prediction)."""
        classes = self._classes()
        lines: List[str] = []
        if data_sample is None:
            return lines
        if draw_gt and 'gt_label' in data_sample and 'label' in data_sample.gt_label:
            labels = data_sample.gt_label.label.tolist()
            lines += format_label_lines('Ground truth: ', labels, None, classes)
        if draw_pred and 'pred_label' in data_sample and 'label' in data_sample.pred_label:
            pred = data_sample.pred_label
            labels = pred.label.tolist()
            scores = None
            if draw_score and 'score' in pred:
                all_scores = pred.score.tolist()
                scores = [all_scores[i] if i < len(all_scores) else float('nan') for i in labels]
            lines += format_label_lines('Prediction: ', labels, scores, classes)
        return lines

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample=None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       draw_score: bool = True,
                       rescale_factor: Optional[float] = None,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0) -> np.ndarray:
        """Draw ``data_sample``'s labels on ``image`` (RGB uint8 HWC) and output the result.

        Args:
            name: image name (backend key and window title).
            image: the image to draw on, RGB (grey HxW images are expanded).
            data_sample: a ``ClsDataSample`` with ``gt_label`` and/or ``pred_label``.
            draw_gt / draw_pred: whether to draw the ground truth / prediction.
            draw_score: whether to write the predicted score next to the label.
            rescale_factor: resize the image first (e.g. 4 for 28x28 images).
            show: show the drawn image in a window for ``wait_time`` seconds.
            out_file: write the drawn image there (PNG/JPEG by suffix) instead of
                sending it to the storage backends.
            step: global step recorded by the backends.

        Returns:
            The drawn image (RGB uint8 HWC).
        """
        self.set_image(image)
        canvas = self.get_image()
        if rescale_factor is not None:
            canvas = rescale_image(canvas, rescale_factor)
        canvas = draw_text_block(canvas, self.label_lines(data_sample, draw_gt, draw_pred,
                                                          draw_score))
        self.set_image(canvas)
        if show:
            self.show(canvas, win_name=name, wait_time=wait_time)
        if out_file is not None:
            write_image(canvas, out_file)
        else:
            self.add_image(name, canvas, step=step)
        return canvas


def write_image(image: np.ndarray, path: str) -> None:
    """Write an RGB image to ``path`` (format by suffix), creating its folder."""
    import cv2
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    try:
        written = cv2.imwrite(path, np.ascontiguousarray(image[..., ::-1]))
    except cv2.error as error:  # e.g. no encoder for the suffix
        raise OSError(f'could not write image {path}: {error}') from error
    if not written:
        raise OSError(f'could not write image {path} (unsupported suffix or unwritable folder)')

