"""Data pipeline speed: transforms vs bare ``cv2.imread``, and DataLoader worker scaling.

Measures, in one run on the same files (``--images``, searched recursively):

* train pipeline ``LoadImageFromFile -> RandomResizedCrop(224) -> RandomFlip
  -> PackClsInputs`` images/s, and its ratio to bare ``cv2.imread`` (target >= 0.8);
* test pipeline ``LoadImageFromFile -> ResizeEdge(256) -> CenterCrop(224) ->
  PackClsInputs`` and its ratio (target >= 0.8);
* a DataLoader over the train pipeline with 2 workers vs 1 (target >= 1.7).

Each rate is the best of ``--repeats`` interleaved passes (bare, train, test,
then again), which filters out noise from other processes on a shared machine.  Usage::

    python benchmarks/pipeline_speed.py [--images DIR] [--repeats 8] [--loader-epochs 3]
        [--collate stack|pseudo] [--skip-loader]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Callable, Dict, List

import cv2
import torch
from torch.utils.data import DataLoader, Dataset

from mmcls.datasets.collate import default_collate, pseudo_collate
from mmcls.datasets.transforms import Compose, set_opencv_threads

REPO_ROOT = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
TRAIN_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackClsInputs'),
]
TEST_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackClsInputs'),
]


def find_images(root: Path) -> List[str]:
    """Every image file under ``root``, sorted."""
    files = sorted(str(p) for p in root.rglob('*') if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise SystemExit(f'no images found under {root}')
    return files


def best_rates(passes: Dict[str, Callable[[], int]], repeats: int) -> Dict[str, float]:
    """Best images/s of each pass over ``repeats`` interleaved rounds (after one warm-up round).

    Interleaving gives every pass the same share of a machine whose load
    changes over time, so ratios stay meaningful on a shared host.
    """
    best = {name: 0.0 for name in passes}
    for round_index in range(repeats + 1):
        for name, run_once in passes.items():
            start = time.perf_counter()
            count = run_once()
            if round_index:
                best[name] = max(best[name], count / (time.perf_counter() - start))
    return best


class PipelineDataset(Dataset):
    """Files through a pipeline, ``epochs`` times over."""

    def __init__(self, files: List[str], pipeline: list, epochs: int):
        self.files = files
        self.pipeline = Compose(pipeline)
        self.epochs = epochs

    def __len__(self) -> int:
        return len(self.files) * self.epochs

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(dict(img_path=self.files[index % len(self.files)], gt_label=0))


# mmcls's own collate functions, as the configs name them.
COLLATES = {'pseudo': pseudo_collate, 'stack': default_collate}


def worker_init(_: int) -> None:
    """One OpenCV and one torch thread per worker, as the runner's mp_cfg sets."""
    set_opencv_threads(1)
    torch.set_num_threads(1)


def make_loader(files: List[str], workers: int, epochs: int, collate: str) -> DataLoader:
    """A DataLoader over the train pipeline with persistent ``workers``."""
    dataset = PipelineDataset(files, TRAIN_PIPELINE, epochs)
    return DataLoader(dataset, batch_size=32, shuffle=False, num_workers=workers,
                      collate_fn=COLLATES[collate], worker_init_fn=worker_init,
                      persistent_workers=True, prefetch_factor=4)


def count_loader(loader: DataLoader) -> Callable[[], int]:
    """A pass over ``loader`` returning the number of images."""
    return lambda: sum(len(batch['inputs']) for batch in loader)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=Path,
                        default=REPO_ROOT.parent / 'shared' / 'data' / 'bench-images')
    parser.add_argument('--repeats', type=int, default=8)
    parser.add_argument('--loader-epochs', type=int, default=3)
    parser.add_argument('--skip-loader', action='store_true')
    parser.add_argument('--collate', choices=sorted(COLLATES), default='stack',
                        help='mmcls collate function: stack (default_collate) or pseudo (pseudo_collate)')
    args = parser.parse_args()

    files = find_images(args.images)
    set_opencv_threads(1)
    torch.set_num_threads(1)
    print(f'{len(files)} images under {args.images}; cv2 {cv2.__version__}, '
          f'torch {torch.__version__}, {os.cpu_count()} CPUs')

    def bare() -> int:
        for path in files:
            cv2.imread(path)
        return len(files)

    def pipeline_pass(pipeline: Compose) -> Callable[[], int]:
        def run() -> int:
            for path in files:
                pipeline(dict(img_path=path, gt_label=0))
            return len(files)
        return run

    rates = best_rates({
        'bare': bare,
        'train': pipeline_pass(Compose(TRAIN_PIPELINE)),
        'test': pipeline_pass(Compose(TEST_PIPELINE)),
    }, args.repeats)
    print(f'bare cv2.imread      {rates["bare"]:8.1f} img/s')
    for name in ('train', 'test'):
        print(f'{name} pipeline       {rates[name]:8.1f} img/s  ratio '
              f'{rates[name] / rates["bare"]:.3f} (target >= 0.8)')
    if args.skip_loader:
        return
    loaders = {workers: make_loader(files, workers, args.loader_epochs, args.collate)
               for workers in (1, 2)}
    rates = best_rates({workers: count_loader(loader) for workers, loader in loaders.items()},
                       max(1, args.repeats // 2))
    print(f'DataLoader 1 worker  {rates[1]:8.1f} img/s  ({args.collate} collate)')
    print(f'DataLoader 2 workers {rates[2]:8.1f} img/s  ratio {rates[2] / rates[1]:.3f} '
          '(target >= 1.7)')


if __name__ == '__main__':
    main()
