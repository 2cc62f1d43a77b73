"""Save the most confident successes and failures of a model as annotated images.

    python tools/analysis_tools/analyze_results.py CONFIG RESULT \\
        [--out-dir OUT] [--topk 20] [--rescale-factor F] [--cfg-options ...]

RESULT is the ``.pkl`` written by ``tools/test.py --out`` (``--out-item pred``).
OUT/success and OUT/fail receive, for the ``topk`` highest-scoring correct and
wrong predictions, the image with its ground truth and prediction drawn on it,
plus ``success.json`` / ``fail.json`` describing them. 
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Any, List, Optional, Sequence

__all__ = ['parse_args', 'summarize', 'split_results', 'draw_prediction', 'main']


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Save the top-k successful and failed predictions as images.')
    parser.add_argument('config', help='config file (its test dataset gives class names)')
    parser.add_argument('result', help='the .pkl prediction file of tools/test.py --out')
    parser.add_argument('--out-dir', required=True, help='folder for the success/fail images')
    parser.add_argument('--topk', type=int, default=20,
                        help='how many successes and failures to save (20)')
    parser.add_argument('--rescale-factor', type=float, default=None,
                        help='resize the images by this factor before drawing')
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='override config settings, as in tools/test.py')
    args = parser.parse_args(argv)
    if args.topk < 1:
        parser.error(f'--topk must be >= 1, got {args.topk}')
    if args.rescale_factor is not None and args.rescale_factor <= 0:
        parser.error(f'--rescale-factor must be > 0, got {args.rescale_factor}')
    return args


def summarize(index: int, record: dict) -> dict:
    """Plain facts of one prediction: labels, confidence, image path, sample index."""
    from mmcls.evaluation.metrics._utils import gt_label_of, pred_label_of, pred_score_of

    score = pred_score_of(record)
    label = pred_label_of(record)
    if label is None and score is None:
        raise KeyError(f'prediction {index} has neither pred_label.label nor pred_label.score')
    pred = int(label.flatten()[0]) if label is not None else int(score.argmax())
    confidence = float(score.flatten()[pred]) if score is not None else 1.0
    return {'sample_idx': int(record.get('sample_idx', index)),
            'img_path': record.get('img_path'),
            'gt_label': int(gt_label_of(record)[0]),
            'pred_label': pred,
            'pred_score': confidence}


def split_results(records: Sequence[dict], topk: int) -> dict:
    """``{'success': [...], 'fail': [...]}``, each the ``topk`` most confident."""
    infos = [summarize(i, r) for i, r in enumerate(records)]
    by_confidence = sorted(infos, key=lambda info: -info['pred_score'])
    return {'success': [i for i in by_confidence if i['pred_label'] == i['gt_label']][:topk],
            'fail': [i for i in by_confidence if i['pred_label'] != i['gt_label']][:topk]}


def draw_prediction(image, lines: Sequence[str]):
    """The BGR image with a white banner below holding ``lines`` in black text.

    The banner is at least as wide as the text, so small images stay readable.
    """
    import cv2
    import numpy as np

    font, scale, thickness, pad = cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1, 6
    sizes = [cv2.getTextSize(line, font, scale, thickness)[0] for line in lines]
    line_height = max(h for _, h in sizes) + pad
    height, width = image.shape[:2]
    canvas_width = max(width, max(w for w, _ in sizes) + 2 * pad)
    canvas = np.full((height + line_height * len(lines) + pad, canvas_width, 3), 255, np.uint8)
    canvas[:height, :width] = image
    for i, line in enumerate(lines):
        y = height + (i + 1) * line_height
        cv2.putText(canvas, line, (pad, y), font, scale, (0, 0, 0), thickness, cv2.LINE_AA)
    return canvas


def _class_name(classes: Optional[Sequence[str]], label: int) -> str:
    if classes is not None and 0 <= label < len(classes):
        return f'{label} ({classes[label]})'
    return str(label)


def _load_image(info: dict, dataset: Any):
    """BGR uint8 image of a prediction, from its ``img_path`` or from the dataset."""
    import cv2
    import numpy as np

    path = info.get('img_path')
    image = None
    if path is None and dataset is not None:
        data_info = dataset.get_data_info(info['sample_idx'])
        image, path = data_info.get('img'), data_info.get('img_path')
    if image is None:
        if path is None:
            raise ValueError(f'sample {info["sample_idx"]} has no img_path and the dataset '
                             'gives no image; cannot draw it')
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f'cannot read image {path!r} of sample {info["sample_idx"]}')
    image = np.asarray(image)
    if image.ndim == 2 or image.shape[-1] == 1:
        image = cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(image, dtype=np.uint8)


def _save_group(out_dir: str, name: str, infos: List[dict], classes, dataset,
                rescale_factor: Optional[float]) -> None:
    import cv2

    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    for rank, info in enumerate(infos):
        image = _load_image(info, dataset)
        if rescale_factor is not None:
            image = cv2.resize(image, None, fx=rescale_factor, fy=rescale_factor,
                               interpolation=cv2.INTER_LINEAR)
        lines = [f'Ground truth: {_class_name(classes, info["gt_label"])}',
                 f'Prediction: {_class_name(classes, info["pred_label"])}',
                 f'Score: {info["pred_score"]:.4f}']
        stem = (os.path.splitext(os.path.basename(info['img_path']))[0] if info['img_path']
                else str(info['sample_idx']))
        info['out_file'] = os.path.join(folder, f'{rank:03d}_{stem}.png')
        if not cv2.imwrite(info['out_file'], draw_prediction(image, lines)):
            raise OSError(f'cannot write {info["out_file"]}')
        if classes is not None:
            info['gt_class'] = classes[info['gt_label']]
            info['pred_class'] = classes[info['pred_label']]
    with open(os.path.join(folder, f'{name}.json'), 'w', encoding='utf-8') as f:
        json.dump(infos, f, indent=2)


def _build_dataset(cfg):
    from mmcls.registry import DATASETS

    try:
        return DATASETS.build({**cfg.test_dataloader.dataset, 'pipeline': []})
    except Exception as e:  # images may still be reachable through img_path
        print(f'Note: the test dataset cannot be built ({type(e).__name__}: {e}); '
              'using the image paths of the result file and class indices.')
        return None


def main(argv: Optional[Sequence[str]] = None) -> dict:
    args = parse_args(argv)

    from mmcls.config import Config
    from mmcls.config.dict_action import parse_cfg_options
    from mmcls.evaluation import load_results

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(parse_cfg_options(args.cfg_options))
    groups = split_results(load_results(args.result), args.topk)
    dataset = _build_dataset(cfg)
    classes = dataset.metainfo.get('classes') if dataset is not None else None
    for name, infos in groups.items():
        _save_group(args.out_dir, name, infos, classes, dataset, args.rescale_factor)
        print(f'{len(infos)} {name} predictions saved to {os.path.join(args.out_dir, name)}')
    return groups
