"""End to end: the CSRA (VOC) and ArcFace (InShop) configs trained with the Runner on tiny
generated datasets (real JPEG/PNG files and annotation files written here), shrunk to ResNet-18
at 32 px so that they run in seconds on one CPU core."""
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmcls.config import Config
from mmcls.runner import Runner

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')
SMALL_RESNET = dict(type='ResNet', depth=18, num_stages=4, out_indices=(3, ), style='pytorch')


def _shrink_runtime(cfg, work_dir, max_epochs):
    cfg.work_dir = str(work_dir)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
    cfg.param_scheduler = []
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=8)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.default_hooks.checkpoint = None
    cfg.randomness = dict(seed=0, deterministic=False)
    cfg.env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))


def _loader(cfg, data_root, pipeline, batch_size, **dataset):
    cfg.dataset.update(data_root=str(data_root), pipeline=pipeline, **dataset)
    cfg.update(batch_size=batch_size, num_workers=0)
    return cfg


# -- retrieval -----------------------------------------------------------------------------
def _item_image(rng, item, size=32):
    """An item is a stripe orientation and frequency with two colours; each photo of it is
    shifted, jittered and noisy."""
    angle = item['angle'] + rng.normal(0, 0.1)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    phase = rng.uniform(0, 2 * math.pi)
    wave = np.sin((xx * math.cos(angle) + yy * math.sin(angle)) * item['freq'] + phase) > 0
    img = np.where(wave[..., None], item['c1'], item['c2']).astype(np.float32)
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _write_inshop(root, num_train_items=6, num_eval_items=12, photos=4, seed=0):
    rng = np.random.default_rng(seed)
    (root / 'Img').mkdir(parents=True)
    (root / 'Eval').mkdir()
    lines = []
    for index in range(num_train_items + num_eval_items):
        item = dict(angle=rng.uniform(0, math.pi), freq=rng.uniform(0.3, 1.2),
                    c1=rng.uniform(0, 255, 3), c2=rng.uniform(0, 255, 3))
        item_id = f'id_{index:05d}'
        # train items have 3 to 5 photos, so that SetAdaptiveMarginsHook sees unequal classes
        count = 3 + index % 3 if index < num_train_items else photos
        for photo in range(count):
            name = f'{item_id}_{photo}.' + ('jpg' if photo % 2 else 'png')
            assert cv2.imwrite(str(root / 'Img' / name), _item_image(rng, item))
            if index < num_train_items:
                split = 'train'
            else:
                split = 'query' if photo == 0 else 'gallery'
            lines.append(f'{name} {item_id} {split}')
    text = f'{len(lines)}\nimage_name item_id evaluation_status\n' + '\n'.join(lines) + '\n'
    (root / 'Eval' / 'list_eval_partition.txt').write_text(text)
    return num_train_items, num_eval_items


def arcface_config(root, work_dir, num_classes, max_epochs=4):
    """The ArcFace InShop config at 32 px with ResNet-18, reading the tree under ``root``."""
    cfg = Config.fromfile(osp.join(CONFIGS, 'arcface', 'resnet50-arcface_8xb32_inshop.py'))
    train_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=36),
                      dict(type='RandomCrop', crop_size=32), dict(type='PackClsInputs')]
    test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=36),
                     dict(type='CenterCrop', crop_size=32), dict(type='PackClsInputs')]
    cfg.train_dataloader = _loader(cfg.train_dataloader, root, train_pipeline, 8)
    cfg.val_dataloader = _loader(cfg.val_dataloader, root, test_pipeline, 8)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = dict(type='RetrievalRecall', topk=(1, 5))
    cfg.test_evaluator = cfg.val_evaluator
    cfg.model.image_encoder = [SMALL_RESNET, dict(type='GlobalAveragePooling')]
    cfg.model.head.update(num_classes=num_classes, in_channels=512, num_subcenters=2)
    cfg.model.prototype = _loader(cfg.model.prototype, root, test_pipeline, 8)
    cfg.data_preprocessor.num_classes = num_classes
    cfg.optim_wrapper.optimizer.lr = 0.02
    cfg.custom_hooks = cfg.custom_hooks + [dict(type='SetAdaptiveMarginsHook')]
    _shrink_runtime(cfg, work_dir, max_epochs=max_epochs)
    return cfg


def test_arcface_retrieval_trains_and_reaches_recall(tmp_path):
    torch.set_num_threads(1)
    root = tmp_path / 'inshop'
    num_classes, num_eval_items = _write_inshop(root)
    cfg = arcface_config(root, tmp_path / 'work', num_classes)
    runner = Runner.from_cfg(cfg)
    untrained = runner.test()  # the hook builds the gallery loader and encodes it
    runner.train()
    model = runner.model
    assert model.prototype_inited
    assert model.prototype_vecs.shape == (num_eval_items * 3, 512)
    assert isinstance(model.prototype, torch.utils.data.DataLoader)  # built by the hook
    margins = model.head.margins.tolist()  # items with 3 photos get the largest margin
    assert margins[0] == max(margins) == margins[3] and margins[2] == min(margins) < margins[1]
    metrics = runner.test()
    # chance is 3 relevant images among 36 (Recall@1 8 %); training must beat the untrained
    # encoder, which also shows that the gallery was re-encoded after training
    assert metrics['retrieval/Recall@1'] >= 75.0, (untrained, metrics)
    assert metrics['retrieval/Recall@1'] > untrained['retrieval/Recall@1'], (untrained, metrics)
    assert metrics['retrieval/Recall@5'] >= metrics['retrieval/Recall@1']


# -- multi-label ---------------------------------------------------------------------------
CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat')
COLOURS = [(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255)]  # BGR of each class


def _write_voc(root, num_images=24, seed=0):
    rng = np.random.default_rng(seed)
    for folder in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (root / folder).mkdir(parents=True)
    ids = []
    for index in range(num_images):
        img_id = f'{index:06d}'
        present = [c for c in range(len(CLASSES)) if rng.random() < 0.5] or [index % 4]
        img = np.full((40, 40, 3), 128, np.uint8)
        objects = []
        for slot, cls in enumerate(present):
            x, y = (slot % 2) * 20, (slot // 2) * 20
            img[y:y + 18, x:x + 18] = COLOURS[cls]
            objects.append(f'<object><name>{CLASSES[cls]}</name><difficult>0</difficult>'
                           f'<bndbox><xmin>{x}</xmin><ymin>{y}</ymin><xmax>{x + 18}</xmax>'
                           f'<ymax>{y + 18}</ymax></bndbox></object>')
        if index % 6 == 0:  # a difficult object of a class already present: still positive
            objects.append(f'<object><name>{CLASSES[present[0]]}</name>'
                           '<difficult>1</difficult></object>')
        assert cv2.imwrite(str(root / 'JPEGImages' / f'{img_id}.jpg'), img)
        (root / 'Annotations' / f'{img_id}.xml').write_text(
            f'<annotation><filename>{img_id}.jpg</filename>{"".join(objects)}</annotation>')
        ids.append(img_id)
    (root / 'ImageSets/Main/trainval.txt').write_text('\n'.join(ids[:16]) + '\n')
    (root / 'ImageSets/Main/test.txt').write_text('\n'.join(ids[16:]) + '\n')


def test_csra_on_a_tiny_voc_tree_computes_map(tmp_path):
    torch.set_num_threads(1)
    root = tmp_path / 'VOC2007'
    _write_voc(root)
    cfg = Config.fromfile(osp.join(CONFIGS, 'csra', 'resnet101-csra_1xb16_voc07-448px.py'))
    pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=32),
                dict(type='PackClsInputs')]
    meta = dict(metainfo=dict(classes=CLASSES))
    cfg.train_dataloader = _loader(cfg.train_dataloader, root, pipeline, 8, **meta)
    cfg.val_dataloader = _loader(cfg.val_dataloader, root, pipeline, 8, **meta)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.model.backbone = SMALL_RESNET
    cfg.model.head.update(num_classes=len(CLASSES), in_channels=512)
    cfg.data_preprocessor.num_classes = len(CLASSES)
    cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
    _shrink_runtime(cfg, tmp_path / 'work', max_epochs=6)

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    ap = metrics['multi-label/mAP']
    assert 0.0 <= ap <= 100.0 and not math.isnan(ap)
    # colour squares are easy: trained CSRA ranks them far above the ~50 % of chance
    assert ap > 70.0, metrics
    assert {'multi-label/precision', 'multi-label/recall', 'multi-label/f1-score'} <= set(metrics)


def test_gallery_is_sharded_across_ranks_and_gathered(tmp_path):
    """Two gloo processes each encode half of the gallery; both end with the single-process
    prototype and the same recall."""
    import json
    import os
    import socket
    import subprocess
    import sys

    root = tmp_path / 'inshop'
    num_classes, num_eval_items = _write_inshop(root)
    script = osp.join(osp.dirname(osp.abspath(__file__)), 'retrieval_dist_script.py')
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    args = [sys.executable, script, str(root)]
    single = subprocess.run([*args, str(tmp_path / 'single'), str(num_classes)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    procs = [subprocess.Popen([*args, str(tmp_path / 'ddp'), str(num_classes), '--launcher',
                               'pytorch'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=dict(env, RANK=str(rank), LOCAL_RANK=str(rank),
                                                  WORLD_SIZE='2', MASTER_ADDR='127.0.0.1',
                                                  MASTER_PORT=str(port)))
             for rank in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
    expected = torch.load(tmp_path / 'single' / 'proto_0.pth')
    assert expected.shape == (num_eval_items * 3, 512)
    reference = json.loads((tmp_path / 'single' / 'result_0.json').read_text())
    assert reference['shard'] == num_eval_items * 3
    for rank in range(2):
        result = json.loads((tmp_path / 'ddp' / f'result_{rank}.json').read_text())
        assert result['shard'] == num_eval_items * 3 // 2
        torch.testing.assert_close(torch.load(tmp_path / 'ddp' / f'proto_{rank}.pth'), expected,
                                   rtol=1e-4, atol=1e-5)
        assert result['metrics'] == pytest.approx(reference['metrics'])
