"""End to end: the multi-task example config (single-label + multi-label heads on one trunk)
trained with the Runner on a generated json-annotated image folder, some samples labelled for one
task only."""
import json
import math
import os.path as osp

import cv2
import numpy as np
import torch

from mmcls.config import Config
from mmcls.runner import Runner

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
                  'multi_task', 'resnet18_multi-task_example.py')
BACKGROUNDS = [40, 110, 180]  # the "colour" task: dark, mid or light grey
TAG_COLOURS = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255)]  # BGR squares = tags


def _write_tree(root, num_images=72, seed=0):
    rng = np.random.default_rng(seed)
    (root / 'images').mkdir(parents=True)
    samples = []
    for index in range(num_images):
        colour = index % 3
        tags = [t for t in range(4) if rng.random() < 0.5] or [index % 4]
        img = np.empty((32, 32, 3), np.uint8)
        img[:] = BACKGROUNDS[colour]
        for slot, tag in enumerate(tags):
            y, x = (slot // 2) * 16 + rng.integers(0, 5), (slot % 2) * 16 + rng.integers(0, 5)
            img[y:y + 11, x:x + 11] = TAG_COLOURS[tag]
        name = f'{index:03d}.png'
        assert cv2.imwrite(str(root / 'images' / name), img)
        gt = dict(colour=colour, tags=tags)
        if index % 5 == 4:  # labelled for one task only
            del gt['tags' if index % 2 else 'colour']
        samples.append(dict(img_path=name, gt_label=gt))
    for split, part in (('train', samples[:48]), ('val', samples[48:])):
        (root / f'{split}.json').write_text(json.dumps(dict(metainfo={}, data_list=part)))


def test_multi_task_config_trains_and_evaluates_each_task(tmp_path):
    torch.set_num_threads(1)
    root = tmp_path / 'multi_task'
    _write_tree(root)
    cfg = Config.fromfile(CONFIG)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackMultiTaskInputs')]
    for name in ('train_dataloader', 'val_dataloader'):
        cfg[name].dataset.update(data_root=str(root), pipeline=pipeline)
        cfg[name].update(batch_size=8, num_workers=0)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=8)
    cfg.param_scheduler = []
    cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
    cfg.default_hooks.checkpoint = None
    cfg.randomness = dict(seed=0)

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert {'colour_accuracy/top1', 'tags_multi-label/mAP', 'tags_multi-label/f1-score'} \
        <= set(metrics), metrics
    assert not any(math.isnan(v) for v in metrics.values())
    # grey levels and coloured squares: both tasks learn far above chance (33 % / ~50 %)
    assert metrics['colour_accuracy/top1'] >= 80.0, metrics
    assert metrics['tags_multi-label/mAP'] >= 70.0, metrics
