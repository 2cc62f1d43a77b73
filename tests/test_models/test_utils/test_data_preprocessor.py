"""ClsDataPreprocessor: device move, conversion, normalisation, padding, labels, augments."""
import numpy as np
import pytest
import torch

from mmcls.models.utils.data_preprocessor import ClsDataPreprocessor, stack_batch
from mmcls.registry import MODELS
from mmcls.structures import ClsDataSample

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _images(shapes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 256, s, dtype=torch.uint8, generator=gen) for s in shapes]


def test_normalise_to_rgb_list_and_stacked_agree():
    images = _images([(3, 8, 10)] * 4)
    pre = MODELS.build(dict(type='ClsDataPreprocessor', mean=MEAN, std=STD, to_rgb=True))
    out = pre(dict(inputs=images, data_samples=None))
    expected = (torch.stack(images).flip(1).float() - torch.tensor(MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(STD).view(1, 3, 1, 1)
    torch.testing.assert_close(out['inputs'], expected)
    assert out['inputs'].dtype == torch.float32 and out['data_samples'] is None
    stacked = pre(dict(inputs=torch.stack(images)))['inputs']
    torch.testing.assert_close(stacked, expected)
    assert list(pre.state_dict()) == []  # mean/std are not checkpoint keys


def test_no_normalisation_and_grayscale_not_flipped():
    images = _images([(1, 4, 4), (1, 4, 4)])
    out = ClsDataPreprocessor(to_rgb=True)(dict(inputs=images))['inputs']
    torch.testing.assert_close(out, torch.stack(images).float())
    with pytest.raises(ValueError, match='both'):
        ClsDataPreprocessor(mean=MEAN)


def test_padding_to_batch_max_and_divisor():
    images = _images([(3, 5, 7), (3, 6, 4)])
    pre = ClsDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1], pad_size_divisor=4, pad_value=-1)
    out = pre(dict(inputs=images))['inputs']
    assert out.shape == (2, 3, 8, 8)
    torch.testing.assert_close(out[0, :, :5, :7], images[0].float())
    assert (out[0, :, 5:, :] == -1).all() and (out[1, :, :, 4:] == -1).all()
    same = ClsDataPreprocessor(pad_size_divisor=32)(dict(inputs=_images([(3, 30, 33)] * 2)))
    assert same['inputs'].shape == (2, 3, 32, 64)
    assert stack_batch([torch.zeros(3, 2, 2), torch.zeros(3, 3, 1)], 1, 0).shape == (2, 3, 3, 2)
    with pytest.raises(ValueError, match='channels'):
        stack_batch([torch.zeros(3, 2, 2), torch.zeros(1, 2, 2)])


def test_inputs_follow_the_module_device():
    pre = ClsDataPreprocessor(mean=MEAN, std=STD)
    assert pre.device == torch.device('cpu')
    pre.to(torch.float64)  # dtype moves do not lose the tracker
    assert pre.device.type == 'cpu'
    meta = ClsDataPreprocessor(mean=MEAN, std=STD, to_onehot=True, num_classes=3).to('meta')
    assert meta.device.type == 'meta'
    samples = [ClsDataSample().set_gt_label(2)]
    out = meta(dict(inputs=_images([(3, 2, 2)]), data_samples=samples))
    assert out['inputs'].device.type == 'meta'  # uint8 CPU inputs were moved
    sample = out['data_samples'][0]
    assert sample.gt_label.label.device.type == 'meta'  # labels follow the inputs
    assert sample.gt_label.score.device.type == 'meta'
    assert samples[0].gt_label.label.device.type == 'cpu'  # the loader's samples are untouched


def test_onehot_labels_and_existing_scores():
    samples = [ClsDataSample().set_gt_label(i) for i in (0, 2, 1)]
    pre = ClsDataPreprocessor(to_onehot=True, num_classes=4)
    out = pre(dict(inputs=_images([(3, 2, 2)] * 3), data_samples=samples))
    scores = torch.stack([s.gt_label.score for s in out['data_samples']])
    torch.testing.assert_close(scores, torch.eye(4)[[0, 2, 1]])
    multi = [ClsDataSample().set_gt_label([0, 3])]
    out = pre(dict(inputs=_images([(3, 2, 2)]), data_samples=multi))
    assert out['data_samples'][0].gt_label.score.tolist() == [1., 0., 0., 1.]
    soft = [ClsDataSample().set_gt_label(1).set_gt_score([0.2, 0.8])]
    out = ClsDataPreprocessor()(dict(inputs=_images([(3, 2, 2)]), data_samples=soft))
    assert out['data_samples'][0].gt_label.score.tolist() == pytest.approx([0.2, 0.8])
    plain = [ClsDataSample().set_gt_label(1)]
    out = ClsDataPreprocessor()(dict(inputs=_images([(3, 2, 2)]), data_samples=plain))
    assert 'score' not in out['data_samples'][0].gt_label
    with pytest.raises(ValueError, match='num_classes'):
        ClsDataPreprocessor(to_onehot=True)(dict(inputs=_images([(3, 2, 2)]),
                                                 data_samples=[ClsDataSample().set_gt_label(1)]))


def test_batch_augments_only_in_training():
    train_cfg = dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)],
                     probs=[0.3, 0.7])
    pre = ClsDataPreprocessor(mean=MEAN, std=STD, num_classes=3, batch_augments=train_cfg)
    assert pre.to_onehot
    images = _images([(3, 16, 16)] * 8)

    def samples():
        return [ClsDataSample().set_gt_label(i % 3) for i in range(8)]

    np.random.seed(0)
    torch.manual_seed(0)
    out = pre(dict(inputs=images, data_samples=samples()), training=True)
    scores = torch.stack([s.gt_label.score for s in out['data_samples']])
    torch.testing.assert_close(scores.sum(1), torch.ones(8))
    assert ((scores > 0) & (scores < 1)).any()  # labels really mixed
    evaluated = pre(dict(inputs=images, data_samples=samples()), training=False)
    scores = torch.stack([s.gt_label.score for s in evaluated['data_samples']])
    torch.testing.assert_close(scores, torch.eye(3)[[i % 3 for i in range(8)]])
    plain = ClsDataPreprocessor(mean=MEAN, std=STD)(dict(inputs=images))['inputs']
    torch.testing.assert_close(evaluated['inputs'], plain)


def test_bad_inputs_are_explained():
    pre = ClsDataPreprocessor()
    with pytest.raises(KeyError, match='inputs'):
        pre(dict(data_samples=[]))
    with pytest.raises(ValueError, match='NCHW'):
        pre(dict(inputs=torch.zeros(3, 4, 4)))
    with pytest.raises(TypeError, match='list of CHW'):
        pre(dict(inputs=[]))


def test_base_data_preprocessor_moves_every_tensor_of_a_nested_batch():
    """``cast_data`` keeps the container types and moves tensors and data elements to the
    module's device (the meta device here, so the move is visible on a CPU-only machine)."""
    from collections import namedtuple

    from mmcls.models.utils import BaseDataPreprocessor
    Pair = namedtuple('Pair', 'left right')
    pre = BaseDataPreprocessor().to('meta')
    sample = ClsDataSample().set_gt_label(3)
    batch = {'inputs': [torch.zeros(2), (torch.ones(1), 'name')], 'pair': Pair(torch.ones(1), 4),
             'data_samples': [sample]}
    out = pre(batch, training=True)
    assert pre.device.type == 'meta'
    assert out['inputs'][0].device.type == 'meta' and out['inputs'][1][0].device.type == 'meta'
    assert out['inputs'][1][1] == 'name' and isinstance(out['inputs'][1], tuple)
    assert isinstance(out['pair'], Pair) and out['pair'].right == 4
    assert out['pair'].left.device.type == 'meta'
    assert out['data_samples'][0].gt_label.label.device.type == 'meta'
    assert batch['inputs'][0].device.type == 'cpu'  # the input batch is left as it was
    assert isinstance(MODELS.build(dict(type='ClsDataPreprocessor')), BaseDataPreprocessor)
