"""The documented ``{{_base_.policies}}`` example: a RandAugment pipeline that reads the ResNeSt
policy list from a base file, built and run on a real JPEG, with the ResNeSt-50 model."""
import numpy as np
import torch
from PIL import Image

from mmcls.config import Config
from mmcls.datasets.transforms import Compose
from mmcls.registry import MODELS

EXAMPLE = '''
_base_ = [
    'mmcls::_base_/models/resnest50.py', 'mmcls::_base_/datasets/imagenet_bs64.py',
    'mmcls::_base_/default_runtime.py', 'mmcls::resnest/_randaug_policies.py',
]
EIGVAL = [55.4625, 4.7940, 1.1475]
EIGVEC = [[-0.5836, -0.6948, 0.4203], [-0.5808, -0.0045, -0.8140], [-0.5675, 0.7192, 0.4009]]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandAugment', policies={{_base_.policies}}, num_policies=2, magnitude_level=12),
    dict(type='EfficientNetRandomCrop', scale=224, backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4),
    dict(type='Lighting', eigval=EIGVAL, eigvec=EIGVEC, alphastd=0.1, to_rgb=False),
    dict(type='PackClsInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
'''


def test_documented_randaug_example_runs_with_resnest(tmp_path):
    path = tmp_path / 'resnest50_randaug.py'
    path.write_text(EXAMPLE)
    cfg = Config.fromfile(str(path))
    pipeline_cfg = cfg.train_dataloader.dataset.pipeline
    assert pipeline_cfg[1]['policies'][0] == dict(type='AutoContrast', prob=0.5)
    assert len(pipeline_cfg[1]['policies']) == 16

    image = tmp_path / 'photo.jpg'
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(image)
    pipeline = Compose(pipeline_cfg)
    inputs = [pipeline(dict(img_path=str(image), gt_label=3))['inputs'] for _ in range(2)]
    assert all(tuple(x.shape) == (3, 224, 224) for x in inputs)

    model = MODELS.build(cfg.model)
    model.eval()
    batch = model.data_preprocessor(dict(inputs=inputs), training=False)
    with torch.no_grad():
        logits = model(batch['inputs'], mode='tensor')
    assert logits.shape == (2, 1000)
