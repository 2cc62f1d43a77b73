"""Shared parts of ``gpu_train.py`` and ``gpu_infer.py``: models, data, speed switches, tables.

The models are ResNet-50 and ViT-B/16 at 224 (``--cpu-smoke``: ResNet-18 and a 2-layer
ViT at 64, batch 2, so the scripts run in seconds without a GPU).  Speed switches are
named ``fp32``, ``amp`` (autocast), ``amp+cl`` (plus channels-last) and
``amp+cl+compile`` (plus ``torch.compile``); any ``+``-joined subset of
``amp``/``cl``/``compile`` (or ``fp32`` alone) is accepted.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Sequence

import numpy as np
import torch

MODEL_NAMES = ('resnet50', 'vit-b16')
DEFAULT_MODES = ('fp32', 'amp', 'amp+cl', 'amp+cl+compile')
MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]
NUM_CLASSES = 1000
# timm's names for the same networks (used only when timm is installed)
TIMM_NAMES = {'resnet50': ('resnet50', 'resnet18'),
              'vit-b16': ('vit_base_patch16_224', 'vit_tiny_patch16_224')}


def add_common_args(parser, default_batch: int) -> None:
    parser.add_argument('--models', nargs='+', default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument('--modes', nargs='+', default=list(DEFAULT_MODES),
                        help='speed switches, e.g. fp32 amp amp+cl amp+cl+compile')
    parser.add_argument('--batch-size', type=int, default=default_batch)
    parser.add_argument('--image-size', type=int, default=224)
    parser.add_argument('--steps', type=int, default=30, help='timed steps per measurement')
    parser.add_argument('--warmup', type=int, default=10, help='untimed steps before timing')
    parser.add_argument('--amp-dtype', choices=['bfloat16', 'float16'], default='bfloat16')
    parser.add_argument('--compile-backend', default='inductor')
    parser.add_argument('--compile-mode', default=None,
                        help='torch.compile mode (e.g. max-autotune-no-cudagraphs)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cpu-smoke', action='store_true',
                        help='tiny models, batch 2, image 64, 2 steps, compile backend "eager" '
                        '(the default without CUDA)')


def apply_smoke(args) -> None:
    """Reduce the run to a smoke test (``--cpu-smoke``, or automatically on CPU)."""
    if args.device == 'cpu':
        args.cpu_smoke = True
    if args.cpu_smoke:
        args.batch_size, args.image_size, args.steps, args.warmup = 2, 64, 1, 1
        args.compile_backend = 'eager'  # compiling for the CPU would take minutes
        args.compile_mode = None
    for mode in args.modes:
        parse_mode(mode)


def parse_mode(mode: str) -> Dict[str, bool]:
    """``'amp+cl+compile'`` -> ``dict(amp=True, channels_last=True, compile=True)``."""
    parts = mode.split('+')
    known = {'amp', 'cl', 'compile'}
    if mode == 'fp32':
        parts = []
    elif not parts or any(p not in known for p in parts):
        raise SystemExit(f'--modes: {mode!r} is not fp32 or a +-joined subset of {sorted(known)}')
    return dict(amp='amp' in parts, channels_last='cl' in parts, compile='compile' in parts)


def model_cfg(name: str, image_size: int, smoke: bool) -> dict:
    """The mmcls config of ``name`` (dropout off, so every side computes the same thing)."""
    preprocessor = dict(type='ClsDataPreprocessor', mean=MEAN, std=STD, to_rgb=True)
    if name == 'resnet50':
        depth, channels = (18, 512) if smoke else (50, 2048)
        return dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=depth),
                    neck=dict(type='GlobalAveragePooling'),
                    head=dict(type='LinearClsHead', num_classes=NUM_CLASSES,
                              in_channels=channels),
                    data_preprocessor=preprocessor)
    if name == 'vit-b16':
        arch = dict(embed_dims=64, num_layers=2, num_heads=2, feedforward_channels=128) \
            if smoke else 'b'
        dims = 64 if smoke else 768
        return dict(type='ImageClassifier',
                    backbone=dict(type='VisionTransformer', arch=arch, img_size=image_size,
                                  patch_size=16),
                    head=dict(type='VisionTransformerClsHead', num_classes=NUM_CLASSES,
                              in_channels=dims),
                    data_preprocessor=preprocessor)
    raise SystemExit(f'--models: unknown model {name!r}; choose from {MODEL_NAMES}')


def build_model(name: str, image_size: int, smoke: bool, device: str):
    from mmcls.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(name, image_size, smoke))
    model.init_weights()
    return model.to(device)


def build_preprocessor(device: str):
    from mmcls.registry import MODELS
    return MODELS.build(dict(type='ClsDataPreprocessor', mean=MEAN, std=STD,
                             to_rgb=True)).to(device)


def timm_available() -> bool:
    import importlib.util
    return importlib.util.find_spec('timm') is not None


def timm_model(name: str, image_size: int, smoke: bool, device: str):
    """timm's version of ``name``, or None when timm is not installed."""
    try:
        import timm
    except ImportError:
        return None
    timm_name = TIMM_NAMES[name][1 if smoke else 0]
    kwargs = dict(img_size=image_size) if name.startswith('vit') else {}
    torch.manual_seed(0)
    return timm.create_model(timm_name, num_classes=NUM_CLASSES, **kwargs).to(device)


class SyntheticImages(torch.utils.data.Dataset):
    """Random uint8 CHW images with labels, in memory (what ``PackClsInputs`` produces)."""

    def __init__(self, size: int, image_size: int):
        from mmcls.structures import ClsDataSample
        gen = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (size, 3, image_size, image_size),
                                    dtype=torch.uint8, generator=gen)
        labels = torch.randint(0, NUM_CLASSES, (size, ), generator=gen).tolist()
        self.samples = [ClsDataSample().set_gt_label(label) for label in labels]
        self.metainfo = dict(classes=tuple(str(i) for i in range(NUM_CLASSES)))

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, idx: int) -> dict:
        return dict(inputs=self.images[idx], data_samples=self.samples[idx])


def write_jpegs(folder: str, count: int, height: int, width: int, classes: int = 4) -> str:
    """``count`` photo-like JPEG files (smooth colour fields plus noise) in class folders."""
    import cv2
    rng = np.random.RandomState(0)
    for index in range(count):
        class_dir = osp.join(folder, f'class_{index % classes}')
        os.makedirs(class_dir, exist_ok=True)
        coarse = rng.randint(0, 256, (height // 16 + 1, width // 16 + 1, 3)).astype(np.uint8)
        image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
        noise = rng.randint(-12, 13, image.shape)
        image = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)
        cv2.imwrite(osp.join(class_dir, f'{index:05d}.jpg'), image,
                    [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder


def jpeg_dataset_cfg(folder: str, image_size: int, train: bool) -> dict:
    """A ``CustomDataset`` over ``folder`` with the ImageNet train (or test) pipeline."""
    if train:
        pipeline = [dict(type='LoadImageFromFile'),
                    dict(type='RandomResizedCrop', scale=image_size),
                    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
                    dict(type='PackClsInputs')]
    else:
        pipeline = [dict(type='LoadImageFromFile'),
                    dict(type='ResizeEdge', scale=image_size * 8 // 7, edge='short'),
                    dict(type='CenterCrop', crop_size=image_size),
                    dict(type='PackClsInputs')]
    return dict(type='CustomDataset', data_root=folder, pipeline=pipeline)


def release_memory() -> None:
    """Collect the last measurement's model and runner (they hold reference cycles)."""
    import gc
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def sync(device: str) -> None:
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


class Timer:
    """Wall time from the end of the warm-up steps to the end of the last step."""

    def __init__(self, device: str, warmup: int, steps: int, batch_size: int):
        self.device, self.warmup, self.total, self.batch_size = device, warmup, warmup + steps, \
            batch_size
        self.start = self.end = None

    def step_done(self, done: int) -> None:
        """Call after step ``done`` (1-based) finished."""
        if done == self.warmup:
            sync(self.device)
            self.start = time.perf_counter()
        elif done == self.total:
            sync(self.device)
            self.end = time.perf_counter()

    @property
    def images_per_second(self) -> float:
        if self.start is None or self.end is None:
            raise RuntimeError('the timer did not see the warm-up and last steps')
        return (self.total - self.warmup) * self.batch_size / (self.end - self.start)


def autocast(device: str, enabled: bool, dtype: str):
    return torch.autocast(device_type=torch.device(device).type, dtype=getattr(torch, dtype),
                          enabled=enabled)


def compile_kwargs(args) -> dict:
    kwargs = dict(backend=args.compile_backend)
    if args.compile_mode:
        kwargs['mode'] = args.compile_mode
    return kwargs


def print_table(title: str, columns: Sequence[str], rows: List[List[str]]) -> None:
    widths = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(columns)]
    print(title)
    print('  '.join(str(c).ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        print('  '.join(str(v).ljust(w) for v, w in zip(row, widths)))


def fmt_rate(value) -> str:
    return '-' if value is None else f'{value:.1f}'


def fmt_ratio(num, den) -> str:
    return '-' if num is None or den is None else f'{num / den:.3f}'


def describe(args) -> str:
    device = args.device
    if device.startswith('cuda'):
        device += f' ({torch.cuda.get_device_name()})'
    return (f'device={device} torch={torch.__version__} batch={args.batch_size} '
            f'image={args.image_size} warmup={args.warmup} steps={args.steps} '
            f'amp_dtype={args.amp_dtype} compile={compile_kwargs(args)}'
            + (' [cpu smoke: tiny models]' if args.cpu_smoke else ''))


__all__ = ['MODEL_NAMES', 'DEFAULT_MODES', 'add_common_args', 'apply_smoke', 'parse_mode',
           'model_cfg', 'build_model', 'build_preprocessor', 'timm_available', 'timm_model',
           'SyntheticImages', 'write_jpegs', 'jpeg_dataset_cfg', 'release_memory', 'sync',
           'Timer', 'autocast', 'compile_kwargs', 'print_table', 'fmt_rate', 'fmt_ratio',
           'describe']
