import torch

from mmcls.models.backbones import InceptionV3


def test_inception_v3_parameters_and_logits():
    model = InceptionV3(num_classes=1000)
    # torchvision inception_v3 (no auxiliary head): 23834568 parameters
    assert sum(p.numel() for p in model.parameters()) == 23834568
    assert model.AuxLogits is None
    model.init_weights()
    model.eval()
    aux, logits = model(torch.rand(1, 3, 75, 75))  # the smallest input the stem accepts
    assert aux is None and logits.shape == (1, 1000)


def test_inception_v3_aux_logits_only_in_training():
    model = InceptionV3(num_classes=10, aux_logits=True, dropout=0.)
    x = torch.rand(2, 3, 299, 299)  # the auxiliary head needs the full 17x17 Mixed_6e map
    model.train()
    with torch.no_grad():
        aux, logits = model(x)
    assert aux.shape == (2, 10) and logits.shape == (2, 10)
    model.eval()
    with torch.no_grad():
        aux, logits = model(torch.rand(1, 3, 75, 75))
    assert aux is None and logits.shape == (1, 10)


def test_inception_v3_without_aux_logits_returns_none_in_training():
    model = InceptionV3(num_classes=10, dropout=0.).train()
    with torch.no_grad():
        aux, logits = model(torch.rand(2, 3, 75, 75))
    assert aux is None and logits.shape == (2, 10)


def test_inception_v3_init_cfg_reaches_the_basic_convs():
    torch.manual_seed(0)
    model = InceptionV3(num_classes=10, aux_logits=True)
    model.init_weights()
    params = dict(model.named_parameters())
    # truncated normal std 0.1 for every conv (a 1x1 192->64 conv would get std 0.18 from
    # Kaiming fan-out), std 0.01 for the auxiliary convs, 0.001 for the auxiliary fc
    for name in ('Conv2d_1a_3x3.conv.weight', 'Mixed_5b.branch1x1.conv.weight'):
        assert abs(params[name].std().item() - 0.1) < 0.01
    assert abs(params['AuxLogits.conv0.conv.weight'].std().item() - 0.01) < 0.001
    assert abs(params['AuxLogits.fc.weight'].std().item() - 0.001) < 0.0001
    assert torch.equal(params['Mixed_5b.branch1x1.bn.weight'], torch.ones(64))


def test_inception_blocks_take_conv_cfg():
    from mmcls.models.backbones.inception_v3 import BasicConv2d, InceptionA
    conv = BasicConv2d(3, 8, kernel_size=3, padding=1, conv_cfg=dict(type='Conv2d'))
    assert set(conv.state_dict()) >= {'conv.weight', 'bn.weight'} and conv.conv.bias is None
    assert conv(torch.rand(1, 3, 5, 5)).shape == (1, 8, 5, 5)
    block = InceptionA(8, pool_features=4, conv_cfg=dict(type='Conv2d')).eval()
    assert block(torch.rand(1, 8, 5, 5)).shape == (1, 64 + 64 + 96 + 4, 5, 5)
