"""ImageClassifier hands train_cfg augments and the head's class count to its preprocessor."""
import torch

from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample


def test_mixup_gets_num_classes_from_the_head():
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=512),
        train_cfg=dict(augments=dict(type='Mixup', alpha=1.0))))
    assert model.data_preprocessor.num_classes == 4
    data = dict(inputs=[torch.randint(0, 255, (3, 16, 16), dtype=torch.uint8) for _ in range(2)],
                data_samples=[ClsDataSample().set_gt_label(i) for i in (0, 3)])
    out = model.data_preprocessor(data, training=True)
    scores = torch.stack([s.gt_label.score for s in out['data_samples']])
    assert scores.shape == (2, 4)
    torch.testing.assert_close(scores.sum(1), torch.ones(2))


def test_explicit_num_classes_wins():
    model = MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=4, in_channels=512),
        data_preprocessor=dict(num_classes=10)))
    assert model.data_preprocessor.num_classes == 10
