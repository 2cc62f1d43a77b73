"""Find the images of a dataset that cannot be read.

    python tools/misc/verify_dataset.py CONFIG [--out-path brokenfiles.log]
        [--phase {train,val,test}] [--num-process N] [--cfg-options KEY=VALUE ...]

The dataset of ``<phase>_dataloader`` is built without its pipeline; every
``img_path`` is decoded completely, and empty, undecodable and truncated
files are written to ``--out-path``, one path per line (the file is removed
when nothing is broken).
"""
from __future__ import annotations

import argparse
import io
import os
import os.path as osp
import sys
from multiprocessing import Pool
from typing import Any, Iterable, List, Optional, Tuple

__all__ = ['parse_args', 'check_image', 'strip_pipelines', 'collect_image_paths', 'find_broken',
           'main']

_JPEG_SOI = b'\xff\xd8'
_JPEG_EOI = b'\xff\xd9'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmcls.config import DictAction

    parser = argparse.ArgumentParser(description='Find unreadable images in a dataset')
    parser.add_argument('config', help='config file')
    parser.add_argument('--out-path', default='brokenfiles.log',
                        help='file to write the broken paths to (default: brokenfiles.log)')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which dataloader dataset to check (default: train)')
    parser.add_argument('--num-process', type=int, default=1,
                        help='number of worker processes (default: 1)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, KEY=VALUE pairs')
    return parser.parse_args(argv)


def check_image(path: str) -> Optional[str]:
    """Why ``path`` is not a readable image, or None when it decodes completely.

    The file must decode fully with Pillow (which reports truncated data) and
    with OpenCV (the default decoding backend of ``LoadImageFromFile``).
    """
    import cv2
    import numpy as np
    from PIL import Image

    try:
        with open(path, 'rb') as f:
            content = f.read()
    except OSError as error:
        return f'cannot open: {error}'
    if not content:
        return 'empty file'
    if content.startswith(_JPEG_SOI) and _JPEG_EOI not in content:
        return 'truncated JPEG (no end-of-image marker)'
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
    except Exception as error:  # Pillow raises many types for bad data
        return f'cannot decode: {error}'
    if cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED) is None:
        return 'OpenCV cannot decode it'
    return None


def _check_entry(entry: Tuple[str, int]) -> Tuple[int, str, Optional[str]]:
    path, index = entry
    return index, path, check_image(path)


def strip_pipelines(cfg: Any) -> Any:
    """A copy of a dataset config with every (nested) ``pipeline`` emptied."""
    if isinstance(cfg, dict):
        return {key: ([] if key == 'pipeline' else strip_pipelines(value))
                for key, value in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(strip_pipelines(item) for item in cfg)
    return cfg


def collect_image_paths(dataset: Any) -> List[str]:
    """The ``img_path`` of every sample (in-memory datasets such as MNIST have none)."""
    paths = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if 'img_path' in info:
            paths.append(info['img_path'])
    return paths


def find_broken(paths: List[str], num_process: int = 1,
                show_progress: Optional[bool] = None) -> List[Tuple[str, str]]:
    """``(path, reason)`` of each unreadable file, in the order of ``paths``."""
    from rich.progress import track

    entries = [(path, index) for index, path in enumerate(paths)]
    disable = not sys.stdout.isatty() if show_progress is None else not show_progress
    if num_process > 1:
        with Pool(num_process) as pool:
            results: Iterable = pool.imap_unordered(_check_entry, entries, chunksize=16)
            checked = list(track(results, total=len(entries), description='Verifying',
                                 disable=disable))
    else:
        checked = [_check_entry(e) for e in track(entries, description='Verifying',
                                                  disable=disable)]
    checked.sort()
    return [(path, reason) for _, path, reason in checked if reason is not None]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    from mmcls.registry import DATASETS

    from ._common import load_phase_dataset
    _, dataset_cfg = load_phase_dataset(args.config, args.cfg_options, args.phase, 'verify')
    out_dir = osp.dirname(osp.abspath(args.out_path))
    if not osp.isdir(out_dir):
        raise SystemExit(f'the folder of --out-path {args.out_path!r} does not exist')

    dataset = DATASETS.build(strip_pipelines(dataset_cfg))
    paths = collect_image_paths(dataset)
    if not paths:
        print(f'The {args.phase} dataset keeps its images in memory; there is no file to check.')
        return 0
    broken = find_broken(paths, max(1, args.num_process))
    if not broken:
        if osp.exists(args.out_path):
            os.remove(args.out_path)
        print(f'Checked {len(paths)} images: there is no broken file.')
        return 0
    with open(args.out_path, 'w', encoding='utf-8') as f:
        f.writelines(f'{path}\n' for path, _ in broken)
    for path, reason in broken:
        print(f'{path}: {reason}')
    print(f'Checked {len(paths)} images: {len(broken)} broken files, listed in {args.out_path}')
    return 0
