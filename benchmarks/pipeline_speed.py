"""Data pipeline speed: the zoo's pipelines vs bare ``cv2.imread``, and DataLoader worker scaling.

Everything is built the way a training run builds it: the pipelines and the
dataloader settings come from ``configs/_base_/datasets/imagenet_bs32.py``
(loaded with :class:`mmcls.config.Config`), the dataset is a registry-built
``CustomDataset`` over ``--images`` (a class-per-folder tree, JPEG files only
by default), loaders come from :func:`mmcls.datasets.builder.build_dataloader`
with the ``opencv_num_threads`` of ``configs/_base_/default_runtime.py``.
Measured, on the same files:

* ``bare``: ``cv2.imread`` of every file, one process, one thread;
* ``train``/``test``: ``dataset[i]`` through the config's train pipeline
  (``LoadImageFromFile -> RandomResizedCrop(224) -> RandomFlip -> PackClsInputs``)
  and test pipeline (``... ResizeEdge(256) -> CenterCrop(224) -> PackClsInputs``),
  as ratios to ``bare`` (target >= 0.8);
* the train loader with 2 workers vs 1 (target >= 1.7);
* with ``--large``, the train pipeline on large photos (the bench photos
  upscaled 4x with bicubic and re-encoded, since the corpus has no large
  originals) with the default full decode and with
  ``LoadImageFromFile(reduced_decode=True)``.

The single-process passes run with what a DataLoader worker sets up: one
OpenCV thread and the worker's heap setting
(:func:`mmcls.core.malloc.keep_freed_memory` with the dataloader builder's
``WORKER_MALLOC_CACHE_MB``, so freed image buffers are reused); the loader
passes get them from the workers themselves.

The single-process passes are interleaved image by image (bare, train, test
on image ``i``, then ``i + 1``...), the loader passes epoch by epoch; there is
one warm-up round, and each line gives the median images/s over the rounds
with their min-max range, so load from other processes on a shared machine
hits every pass alike.  Usage::

    python benchmarks/pipeline_speed.py [--images DIR] [--repeats 7] [--loader-epochs 3]
        [--collate stack|pseudo] [--all-formats] [--skip-loader] [--large]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List

import cv2
import torch

from mmcls.config import Config
from mmcls.core.malloc import keep_freed_memory
from mmcls.datasets.builder import WORKER_MALLOC_CACHE_MB, build_dataloader
from mmcls.datasets.collate import default_collate, pseudo_collate
from mmcls.datasets.transforms import set_opencv_threads
from mmcls.registry import DATASETS

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASET_CONFIG = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'imagenet_bs32.py'
RUNTIME_CONFIG = REPO_ROOT / 'configs' / '_base_' / 'default_runtime.py'
JPEG_SUFFIXES = ('.jpg', '.jpeg')
IMAGE_SUFFIXES = JPEG_SUFFIXES + ('.png', '.bmp', '.webp')
# mmcls's own collate functions, as the configs name them.
COLLATES = {'pseudo': pseudo_collate, 'stack': default_collate}


def default_images() -> Path:
    """The benchmark corpus next to the checkout (``shared/data/bench-images``)."""
    for root in (REPO_ROOT, REPO_ROOT.parent, REPO_ROOT.parent.parent):
        candidate = root / 'shared' / 'data' / 'bench-images'
        if candidate.is_dir():
            return candidate
    return REPO_ROOT / 'shared' / 'data' / 'bench-images'


def find_images(root: Path, suffixes=IMAGE_SUFFIXES) -> List[str]:
    """Every image file under ``root`` with one of ``suffixes``, sorted."""
    files = sorted(str(p) for p in root.rglob('*') if p.suffix.lower() in suffixes)
    if not files:
        raise SystemExit(f'no images found under {root}')
    return files


def median_rates(passes: Dict[str, Callable[[], int]], repeats: int) -> Dict[str, List[float]]:
    """images/s of each pass in ``repeats`` interleaved rounds (after one warm-up round)."""
    rates: Dict[str, List[float]] = {name: [] for name in passes}
    for round_index in range(repeats + 1):
        for name, run_once in passes.items():
            start = time.perf_counter()
            count = run_once()
            if round_index:
                rates[name].append(count / (time.perf_counter() - start))
    return rates


def describe(samples: List[float]) -> str:
    """``median img/s [min-max]``."""
    return (f'{statistics.median(samples):8.1f} img/s [{min(samples):.0f}-'
            f'{max(samples):.0f}]')


def ratio(samples: List[float], base: List[float]) -> float:
    """Ratio of medians."""
    return statistics.median(samples) / statistics.median(base)


def load_configs() -> Config:
    """The zoo's dataset config, with the runtime's ``env_cfg`` merged in."""
    cfg = Config.fromfile(str(DATASET_CONFIG))
    cfg.env_cfg = Config.fromfile(str(RUNTIME_CONFIG)).env_cfg
    return cfg


def build_dataset(images: Path, pipeline: list, suffixes, times: int = 1):
    """A registry-built ``CustomDataset`` over ``images`` (repeated ``times`` if > 1)."""
    dataset = dict(type='CustomDataset', data_root=str(images), extensions=suffixes,
                   pipeline=pipeline)
    if times > 1:
        dataset = dict(type='RepeatDataset', times=times, dataset=dataset)
    with warnings.catch_warnings():  # e.g. the corpus's meta/ folder holds no images
        warnings.simplefilter('ignore', UserWarning)
        built = DATASETS.build(dataset)
        if hasattr(built, 'full_init'):
            built.full_init()
    return built


def make_loader(cfg: Config, dataset, workers: int, collate: str):
    """The config's train dataloader over ``dataset`` with ``workers`` persistent workers."""
    loader_cfg = dict(cfg.train_dataloader)
    loader_cfg.update(dataset=dataset, num_workers=workers, persistent_workers=True,
                      prefetch_factor=4, collate_fn=dict(type=COLLATES[collate].__name__),
                      sampler=dict(type='DefaultSampler', shuffle=False))
    threads = cfg.env_cfg.get('mp_cfg', {}).get('opencv_num_threads')
    return build_dataloader(loader_cfg, seed=0, opencv_num_threads=threads)


def loader_pass(loader) -> Callable[[], int]:
    """A pass over ``loader`` returning the number of images."""
    return lambda: sum(len(batch['inputs']) for batch in loader)


def write_large_photos(files: List[str], folder: Path, count: int = 16) -> None:
    """Upscale ``count`` of the files 4x (bicubic) into ``folder/class_0`` as quality-90 JPEGs."""
    target = folder / 'class_0'
    target.mkdir(parents=True)
    for index, path in enumerate(files[:count]):
        img = cv2.imread(path)
        big = cv2.resize(img, (img.shape[1] * 4, img.shape[0] * 4), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(target / f'{index:03d}.jpg'), big, [cv2.IMWRITE_JPEG_QUALITY, 90])


def per_image_rates(steps: Dict[str, Callable[[int], object]], count: int,
                    repeats: int) -> Dict[str, List[float]]:
    """images/s of each step, interleaved image by image, in ``repeats`` rounds (+1 warm-up).

    Every step handles image ``i`` right after the others did, so all see the
    same file cache, CPU clock and background load; each round gives one rate.
    """
    rates: Dict[str, List[float]] = {name: [] for name in steps}
    for round_index in range(repeats + 1):
        spent = dict.fromkeys(steps, 0.0)
        for index in range(count):
            for name, step in steps.items():
                start = time.perf_counter()
                step(index)
                spent[name] += time.perf_counter() - start
        if round_index:
            for name in steps:
                rates[name].append(count / spent[name])
    return rates


def measure_pipelines(cfg: Config, args, suffixes) -> None:
    train = build_dataset(args.images, cfg.train_pipeline, suffixes)
    test = build_dataset(args.images, cfg.test_pipeline, suffixes)
    paths = [train.get_data_info(i)['img_path'] for i in range(len(train))]
    rates = per_image_rates({'bare': lambda i: cv2.imread(paths[i]),
                             'train': train.__getitem__, 'test': test.__getitem__},
                            len(paths), args.repeats)
    print(f'bare cv2.imread      {describe(rates["bare"])}')
    for name in ('train', 'test'):
        print(f'{name} pipeline       {describe(rates[name])}  ratio '
              f'{ratio(rates[name], rates["bare"]):.3f} (target >= 0.8)')


def measure_loaders(cfg: Config, args, suffixes) -> None:
    dataset = build_dataset(args.images, cfg.train_pipeline, suffixes, times=args.loader_epochs)
    loaders = {workers: make_loader(cfg, dataset, workers, args.collate) for workers in (1, 2)}
    rates = median_rates({workers: loader_pass(loader) for workers, loader in loaders.items()},
                         max(1, args.repeats // 2))
    print(f'DataLoader 1 worker  {describe(rates[1])}  ({args.collate} collate)')
    print(f'DataLoader 2 workers {describe(rates[2])}  ratio {ratio(rates[2], rates[1]):.3f} '
          '(target >= 1.7)')


def measure_reduced_decode(cfg: Config, args, suffixes) -> None:
    reduced = [dict(t, reduced_decode=True) if t['type'] == 'LoadImageFromFile' else t
               for t in cfg.train_pipeline]
    with tempfile.TemporaryDirectory() as folder:
        write_large_photos(find_images(args.images, JPEG_SUFFIXES), Path(folder))
        full = build_dataset(Path(folder), cfg.train_pipeline, suffixes)
        fast = build_dataset(Path(folder), reduced, suffixes)
        paths = [full.get_data_info(i)['img_path'] for i in range(len(full))]
        h, w = cv2.imread(paths[0]).shape[:2]
        rates = per_image_rates({'bare': lambda i: cv2.imread(paths[i]),
                                 'full': full.__getitem__, 'reduced': fast.__getitem__},
                                len(paths), args.repeats)
    print(f'large photos ({len(paths)} JPEGs, e.g. {w}x{h}):')
    print(f'  bare cv2.imread    {describe(rates["bare"])}')
    print(f'  train, full decode {describe(rates["full"])}')
    print(f'  train, reduced_decode=True {describe(rates["reduced"])}  speed-up '
          f'{ratio(rates["reduced"], rates["full"]):.2f}x')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--images', type=Path, default=default_images())
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--loader-epochs', type=int, default=3)
    parser.add_argument('--skip-loader', action='store_true')
    parser.add_argument('--large', action='store_true',
                        help='also time reduced_decode=True on large (4x upscaled) photos')
    parser.add_argument('--all-formats', action='store_true',
                        help='use PNG/BMP/WebP files too (default: JPEG only)')
    parser.add_argument('--collate', choices=sorted(COLLATES), default='stack',
                        help='mmcls collate function: stack (default_collate) or pseudo (pseudo_collate)')
    args = parser.parse_args()

    suffixes = IMAGE_SUFFIXES if args.all_formats else JPEG_SUFFIXES
    files = find_images(args.images, suffixes)
    cfg = load_configs()
    set_opencv_threads(1)
    torch.set_num_threads(1)
    heap = keep_freed_memory(WORKER_MALLOC_CACHE_MB)
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else float('nan')
    print(f'{len(files)} images under {args.images}; cv2 {cv2.__version__}, '
          f'torch {torch.__version__}, {os.cpu_count()} CPUs, load {load:.2f}, worker heap '
          f'setting {"applied" if heap else "not available"}')
    measure_pipelines(cfg, args, suffixes)
    if not args.skip_loader:
        measure_loaders(cfg, args, suffixes)
    if args.large:
        measure_reduced_decode(cfg, args, suffixes)


if __name__ == '__main__':
    main()
