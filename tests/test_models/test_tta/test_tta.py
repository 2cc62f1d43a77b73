"""Test-time augmentation: TestTimeAug views, AverageClsScoreTTA merging, ``test.py --tta``."""
import os.path as osp

import pytest
import torch

from mmcls.datasets.collate import pseudo_collate
from mmcls.datasets import transforms
from mmcls.models.tta import AverageClsScoreTTA, BaseTTAModel
from mmcls.registry import MODEL_WRAPPERS, MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
LENET = osp.join(ROOT, 'configs', 'lenet', 'lenet5_fashion-mnist-subset.py')
FLIPS = [dict(type='RandomFlip', prob=1.), dict(type='RandomFlip', prob=0.)]


def _sample(seed):
    image = torch.Generator().manual_seed(seed)
    img = torch.randint(0, 255, (8, 6, 3), generator=image, dtype=torch.uint8).numpy()
    return dict(img=img, gt_label=seed % 3)


def _model():
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=1, out_indices=(0, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=3, in_channels=64),
        data_preprocessor=dict(num_classes=3)))


def test_test_time_aug_returns_one_value_per_combination():
    tta = transforms.TestTimeAug([FLIPS, [dict(type='PackClsInputs')]])
    out = tta(_sample(1))
    assert set(out) == {'inputs', 'data_samples'} and len(out['inputs']) == 2
    torch.testing.assert_close(out['inputs'][0], out['inputs'][1].flip(-1))
    assert repr(tta) == 'TestTimeAug(2 combinations)'
    with pytest.raises(TypeError, match='list of non-empty lists'):
        transforms.TestTimeAug([dict(type='RandomFlip')])


def test_average_score_tta_is_the_mean_of_the_views():
    pipeline = transforms.TestTimeAug([FLIPS, [dict(type='PackClsInputs')]])
    batch = pseudo_collate([pipeline(_sample(i)) for i in range(3)])
    model = _model().eval()
    tta = MODELS.build(dict(type='AverageClsScoreTTA', module=model))
    assert isinstance(tta, BaseTTAModel) and 'BaseTTAModel' in MODEL_WRAPPERS
    with torch.no_grad():
        merged = tta.test_step(batch)
        flipped = model.test_step(dict(inputs=batch['inputs'][0],
                                       data_samples=batch['data_samples'][0]))
        plain = model.test_step(dict(inputs=batch['inputs'][1],
                                     data_samples=batch['data_samples'][1]))
    assert len(merged) == 3
    for out, a, b in zip(merged, flipped, plain):
        expected = (a.pred_label.score + b.pred_label.score) / 2
        torch.testing.assert_close(out.pred_label.score, expected)
        assert out.pred_label.label.item() == expected.argmax().item()
        assert out.gt_label.label.item() == a.gt_label.label.item()
    # the views' own predictions are not modified by the merge
    assert not torch.equal(flipped[0].pred_label.score, merged[0].pred_label.score)


def test_tta_model_rejects_bad_input():
    tta = AverageClsScoreTTA(module=_model())
    with pytest.raises(ValueError, match='one entry per view'):
        tta.test_step(dict(inputs=[1, 2], data_samples=[1]))
    with pytest.raises(TypeError, match='test_step'):
        tta(torch.zeros(1, 3, 8, 8))


def test_test_tool_tta_flip_averages_and_loads_the_checkpoint(tmp_path):
    from mmcls.config import Config
    from mmcls.tools import test as test_tool
    cfg = Config.fromfile(LENET)
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    checkpoint = tmp_path / 'lenet.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    common = [LENET, str(checkpoint), '--work-dir', str(tmp_path / 'w'),
              '--cfg-options', 'test_dataloader.num_workers=0']
    args = test_tool.parse_args(common + ['--tta'])
    cfg = test_tool.merge_args(Config.fromfile(LENET), args)
    assert cfg.model['type'] == 'AverageClsScoreTTA'
    assert cfg.test_dataloader.dataset.pipeline[-1]['type'] == 'TestTimeAug'
    with_tta = test_tool.main(common + ['--tta'])['accuracy/top1']
    assert with_tta == pytest.approx(_flip_averaged_accuracy(model, Config.fromfile(LENET)))


def _flip_averaged_accuracy(model, cfg):
    """Top-1 of the mean softmax of each test image and its mirror, computed by hand."""
    from mmcls.registry import DATASETS
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    model.eval()
    correct = 0
    for start in range(0, len(dataset), 250):
        batch = pseudo_collate([dataset[i] for i in range(start, min(start + 250, len(dataset)))])
        data = model.data_preprocessor(batch, False)
        with torch.no_grad():
            scores = sum(model(x, mode='tensor').softmax(-1)
                         for x in (data['inputs'], data['inputs'].flip(-1)))
        labels = torch.cat([s.gt_label.label for s in data['data_samples']])
        correct += (scores.argmax(-1) == labels).sum().item()
    return 100 * correct / len(dataset)
