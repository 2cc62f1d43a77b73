import torch

from mmcls.models.backbones import InceptionV3


def test_inception_v3_parameters_and_logits():
    model = InceptionV3(num_classes=1000)
    # torchvision inception_v3 (no auxiliary head): 23834568 parameters
    assert sum(p.numel() for p in model.parameters()) == 23834568
    assert model.AuxLogits is None
    model.init_weights()
    model.eval()
    out = model(torch.rand(1, 3, 75, 75))  # the smallest input the stem accepts
    assert len(out) == 1 and out[0].shape == (1, 1000)


def test_inception_v3_aux_logits_only_in_training():
    model = InceptionV3(num_classes=10, aux_logits=True, dropout=0.)
    x = torch.rand(2, 3, 299, 299)  # the auxiliary head needs the full 17x17 Mixed_6e map
    model.train()
    with torch.no_grad():
        aux, logits = model(x)
    assert aux.shape == (2, 10) and logits.shape == (2, 10)
    model.eval()
    with torch.no_grad():
        assert len(model(torch.rand(1, 3, 75, 75))) == 1


def test_inception_blocks_take_conv_cfg():
    from mmcls.models.backbones.inception_v3 import BasicConv2d, InceptionA
    conv = BasicConv2d(3, 8, kernel_size=3, padding=1, conv_cfg=dict(type='Conv2d'))
    assert set(conv.state_dict()) >= {'conv.weight', 'bn.weight'} and conv.conv.bias is None
    assert conv(torch.rand(1, 3, 5, 5)).shape == (1, 8, 5, 5)
    block = InceptionA(8, pool_features=4, conv_cfg=dict(type='Conv2d')).eval()
    assert block(torch.rand(1, 8, 5, 5)).shape == (1, 64 + 64 + 96 + 4, 5, 5)
