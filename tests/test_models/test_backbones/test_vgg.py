import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from mmcls.models.backbones import VGG

X = torch.rand(1, 3, 32, 32)


def test_vgg_parameter_counts():
    # torchvision vgg11 / vgg16_bn parameter counts (classifier included)
    assert sum(p.numel() for p in VGG(11, num_classes=1000).parameters()) == 132863336
    model = VGG(16, num_classes=1000, norm_cfg=dict(type='BN'))
    assert sum(p.numel() for p in model.parameters()) == 138365992


def test_vgg_features_out_indices():
    model = VGG(11, out_indices=(0, 1, 2, 3, 4))
    model.init_weights()
    outs = model(X)
    assert [tuple(o.shape) for o in outs] == [(1, 64, 16, 16), (1, 128, 8, 8), (1, 256, 4, 4),
                                              (1, 512, 2, 2), (1, 512, 1, 1)]
    assert VGG(13)(X)[0].shape == (1, 512, 1, 1)
    assert VGG(11, with_last_pool=False)(X)[0].shape == (1, 512, 2, 2)
    assert VGG(11, num_stages=3, dilations=(1, 1, 1), out_indices=(2, ))(X)[0].shape[1] == 256
    with pytest.raises(KeyError, match='invalid depth'):
        VGG(12)


def test_vgg_classifier_output():
    model = VGG(11, num_classes=10)
    model.eval()
    outs = model(torch.rand(1, 3, 224, 224))
    assert len(outs) == 1 and outs[0].shape == (1, 10)


def test_vgg_frozen_stages_and_norm_eval():
    model = VGG(11, norm_cfg=dict(type='BN'), frozen_stages=2, norm_eval=True)
    model.train()
    frozen = [model.features[j] for j in range(*model.range_sub_modules[1])]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    start = model.range_sub_modules[2][0]
    assert all(p.requires_grad for p in model.features[start].parameters())
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))
