"""RepMLPNet: stage outputs, locality injection (deploy) equivalence and input checks."""
import pytest
import torch

from mmcls.models.backbones.repmlp import RepMLPNet

TINY = dict(channels=[8, 16, 32, 64], depths=[1, 1, 1, 1], sharesets_nums=[1, 4, 8, 16])


def _randomise_bn(model):
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)


def test_stage_outputs():
    model = RepMLPNet(TINY, img_size=64, out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(2, 3, 64, 64))
    # each stage is reported after the downsampling that follows it, as the reference does
    assert [tuple(o.shape) for o in outs] == [(2, 16, 8, 8), (2, 32, 4, 4), (2, 64, 2, 2),
                                              (2, 64, 2, 2)]


def test_switch_to_deploy_keeps_outputs():
    model = RepMLPNet(TINY, img_size=64, reparam_conv_kernels=(1, 3)).eval()
    _randomise_bn(model)
    x = torch.randn(2, 3, 64, 64)
    before, = model(x)
    model.switch_to_deploy()
    block = model.stages[0][0].repmlp_block
    assert block.deploy and not hasattr(block, 'repconv3') and block.fc3.bias is not None
    after, = model(x)
    assert torch.allclose(before, after, atol=1e-4)
    deploy = RepMLPNet(TINY, img_size=64, reparam_conv_kernels=(1, 3), deploy=True)
    assert deploy.state_dict().keys() == model.state_dict().keys()


def test_input_size_must_fit_the_partitions():
    model = RepMLPNet(TINY, img_size=64).eval()
    assert model(torch.randn(1, 3, 128, 128))[0].shape == (1, 64, 4, 4)
    with pytest.raises(ValueError, match='partitions'):
        model(torch.randn(1, 3, 48, 48))


def test_frozen_stages_and_norm_eval():
    model = RepMLPNet(TINY, img_size=64, frozen_stages=1, norm_eval=True)
    model.train()
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert not any(p.requires_grad for p in model.downsample_layers[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    assert not model.stages[1][0].norm1.training


def test_seed_snippet_build_backbone_and_switch():
    """build RepMLPNet-B with build_backbone, then switch_to_deploy."""
    from mmcls.models import build_backbone
    backbone = build_backbone(dict(type='RepMLPNet', arch='B', img_size=224,
                                   reparam_conv_kernels=(1, 3), deploy=False))
    backbone.switch_to_deploy()
    assert backbone.deploy
    assert not any('repconv' in name or 'fc3_bn' in name for name in backbone.state_dict())


def test_global_perceptron_returns_per_channel_gates():
    from mmcls.models.backbones.repmlp import GlobalPerceptron
    gp = GlobalPerceptron(16, ratio=4)
    x = torch.rand(2, 16, 5, 5)
    gates = gp(x)
    assert gates.shape == (2, 16, 1, 1)
    assert bool(((gates > 0) & (gates < 1)).all())
    assert isinstance(RepMLPNet(arch=TINY).stages[0][0].repmlp_block.gp, GlobalPerceptron)
