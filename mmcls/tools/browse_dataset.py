"""Save (or show) the images of a dataset before, during and after its pipeline.

    python tools/visualizations/browse_dataset.py CONFIG [-o OUTPUT_DIR] [-p {train,val,test}]
        [-n SHOW_NUMBER] [-i SHOW_INTERVAL] [-m {original,transformed,concat,pipeline}]
        [-r RESCALE_FACTOR] [-c {BGR,RGB}] [--cfg-options KEY=VALUE ...]

``original`` is the image after loading, ``transformed`` after the whole
pipeline, ``concat`` both side by side and ``pipeline`` every intermediate
step.  Images are written as PNG files to OUTPUT_DIR; without ``-o`` they are
shown in a window (needs an OpenCV build with GUI support).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import warnings
from typing import Any, List, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = ['parse_args', 'to_display_image', 'collect_steps', 'compose_view', 'main']

MODES = ('original', 'transformed', 'concat', 'pipeline')
_CAPTION_HEIGHT = 20


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmcls.config import DictAction

    parser = argparse.ArgumentParser(description='Browse a dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument('-o', '--output-dir', default='',
                        help='folder to save the images in; empty shows them in a window')
    parser.add_argument('-p', '--phase', default='train', choices=['train', 'val', 'test'],
                        help='which dataloader dataset to browse (default: train)')
    parser.add_argument('-n', '--show-number', type=int, default=None,
                        help='number of samples to show (default: all)')
    parser.add_argument('-i', '--show-interval', type=float, default=2.0,
                        help='seconds each image stays in the window (default: 2)')
    parser.add_argument('-m', '--mode', default='transformed', choices=MODES,
                        help='what to display (default: transformed)')
    parser.add_argument('-r', '--rescale-factor', type=float, default=None,
                        help='scale the displayed images, e.g. 10 for CIFAR')
    parser.add_argument('-c', '--channel-order', default='BGR', choices=['BGR', 'RGB'],
                        help='channel order of the images in the pipeline (default: BGR)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, KEY=VALUE pairs')
    return parser.parse_args(argv)


def to_display_image(img: Any, channel_order: str = 'BGR') -> np.ndarray:
    """A uint8 HxWx3 BGR image from an HWC/HW array or a CHW tensor of any dtype."""
    if hasattr(img, 'detach'):  # a CHW tensor from PackClsInputs
        img = img.detach().cpu().numpy()
        img = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
    img = np.asarray(img)
    if img.dtype != np.uint8:
        low, high = float(img.min()), float(img.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        img = ((img.astype(np.float32) - low) * scale).clip(0, 255).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if channel_order == 'RGB':
        img = img[..., ::-1]
    return np.ascontiguousarray(img[..., :3])


def _step_image(results: Any) -> Optional[Any]:
    if not isinstance(results, dict):
        return None
    if isinstance(results.get('img'), np.ndarray):
        return results['img']
    return results.get('inputs')


def collect_steps(info: dict, transforms: Sequence) -> Tuple[List[Tuple[str, Any]], Any]:
    """Run ``transforms`` one by one on ``info``; return ``(name, image)`` per step and the output.

    The first entry is the stored image (in-memory datasets) or the first loaded one.
    """
    steps: List[Tuple[str, Any]] = []
    results: Any = dict(info)
    if isinstance(results.get('img'), np.ndarray):
        steps.append(('stored', results['img']))
    for transform in transforms:
        results = transform(results)
        if results is None:
            return steps, None
        image = _step_image(results)
        if image is not None:
            steps.append((type(transform).__name__, image))
    return steps, results


def _rescale(img: np.ndarray, factor: Optional[float]) -> np.ndarray:
    if not factor or factor == 1:
        return img
    interpolation = cv2.INTER_NEAREST if factor > 1 else cv2.INTER_AREA
    height, width = img.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(img, size, interpolation=interpolation)


def _with_caption(img: np.ndarray, text: str) -> np.ndarray:
    strip = np.full((_CAPTION_HEIGHT, img.shape[1], 3), 255, np.uint8)
    cv2.putText(strip, text, (2, _CAPTION_HEIGHT - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([strip, img])


def _hstack(images: List[np.ndarray], gap: int = 4) -> np.ndarray:
    height = max(img.shape[0] for img in images)
    padded = []
    for img in images:
        canvas = np.full((height, img.shape[1] + gap, 3), 255, np.uint8)
        canvas[:img.shape[0], :img.shape[1]] = img
        padded.append(canvas)
    return np.hstack(padded)[:, :-gap]


def compose_view(steps: List[Tuple[str, Any]], mode: str, channel_order: str = 'BGR',
                 rescale_factor: Optional[float] = None, label: str = '') -> np.ndarray:
    """The picture of one sample for ``mode``, captioned with the step names and ``label``."""
    if not steps:
        raise ValueError('the pipeline produced no image to show')
    chosen = {'original': steps[:1], 'transformed': steps[-1:],
              'concat': [steps[0], steps[-1]] if len(steps) > 1 else steps[:1],
              'pipeline': steps}[mode]
    tiles = []
    for name, image in chosen:
        tile = _rescale(to_display_image(image, channel_order), rescale_factor)
        caption = name if mode in ('concat', 'pipeline') else ''
        caption = f'{caption} {label}'.strip()
        tiles.append(_with_caption(tile, caption) if caption else tile)
    return _hstack(tiles)


def _innermost(dataset: Any) -> Any:
    """The dataset that owns the pipeline (wrappers hold it in ``dataset``/``datasets``)."""
    while not hasattr(dataset, 'pipeline'):
        inner = getattr(dataset, 'dataset', None)
        if inner is None:
            raise TypeError(f'{type(dataset).__name__} has no pipeline to browse')
        dataset = inner
    return dataset


def _label_text(info: dict, classes: Optional[Sequence[str]]) -> str:
    label = info.get('gt_label')
    if label is None:
        return ''
    labels = list(np.atleast_1d(np.asarray(label)).tolist())
    names = [classes[int(i)] if classes is not None and 0 <= int(i) < len(classes) else str(i)
             for i in labels]
    return ', '.join(names)


def _output_name(info: dict, index: int) -> str:
    path = info.get('img_path')
    stem = osp.splitext(osp.basename(path))[0] if path else 'sample'
    return f'{index:05d}_{stem}.png'


def _show(image: np.ndarray, interval: float) -> None:
    try:
        cv2.imshow('browse_dataset', image)
        cv2.waitKey(max(1, int(interval * 1000)))
    except cv2.error as error:
        raise SystemExit('cannot open a window (OpenCV has no GUI support here); pass '
                         f'-o OUTPUT_DIR to save the images instead ({error})') from None


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.registry import DATASETS

    from ._common import load_phase_dataset
    _, dataset_cfg = load_phase_dataset(args.config, args.cfg_options, args.phase, 'browse')
    dataset = DATASETS.build(dataset_cfg)
    transforms = list(getattr(_innermost(dataset).pipeline, 'transforms', []))
    classes = dataset.metainfo.get('classes') if hasattr(dataset, 'metainfo') else None
    total = len(dataset) if args.show_number is None else min(args.show_number, len(dataset))
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)

    from rich.progress import track
    for index in track(range(total), description='Browsing', disable=not sys.stdout.isatty()):
        info = dataset.get_data_info(index)
        try:
            steps, output = collect_steps(info, transforms)
        except Exception as error:
            warnings.warn(f'sample {index} ({info.get("img_path", "in memory")}) failed in the '
                          f'pipeline: {error}')
            continue
        if output is None or not steps:
            warnings.warn(f'sample {index} ({info.get("img_path", "in memory")}) was dropped by '
                          'the pipeline')
            continue
        image = compose_view(steps, args.mode, args.channel_order, args.rescale_factor,
                             _label_text(info, classes))
        if args.output_dir:
            cv2.imwrite(osp.join(args.output_dir, _output_name(info, index)), image)
        else:
            _show(image, args.show_interval)
    if args.output_dir:
        print(f'Saved {total} images to {args.output_dir}')
    return 0
