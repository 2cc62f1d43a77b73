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
