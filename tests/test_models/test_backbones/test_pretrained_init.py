"""A ``Pretrained`` init_cfg, alone or inside a list of init configs, must leave every loaded
weight as loaded: the families below re-initialise some weights in ``init_weights`` (zero-init
residual norms, fan-in normal convs, truncated-normal position embeddings) only when *not*
pretrained."""
import pytest
import torch

from mmcls.models.backbones import MViT, Res2Net, ResNet, ShuffleNetV1
from mmcls.models.heads import VisionTransformerClsHead

BUILDERS = {
    'resnet': lambda **kw: ResNet(depth=18, zero_init_residual=True, **kw),
    'res2net': lambda **kw: Res2Net(depth=50, scales=2, base_width=8, **kw),
    'shufflenet_v1': lambda **kw: ShuffleNetV1(groups=3, widen_factor=0.5, **kw),
    'mvit': lambda **kw: MViT(arch='tiny', img_size=64, use_abs_pos_embed=True, **kw),
    'vit_head': lambda **kw: VisionTransformerClsHead(num_classes=4, in_channels=8,
                                                      hidden_dim=6, **kw),
}


@pytest.mark.parametrize('as_list', [False, True])
@pytest.mark.parametrize('family', sorted(BUILDERS))
def test_pretrained_weights_survive_init_weights(family, as_list, tmp_path):
    source = BUILDERS[family]()
    with torch.no_grad():
        for index, param in enumerate(source.parameters()):
            param.fill_(0.25 + 0.01 * (index % 7))  # nothing any initialiser would produce
    ckpt = tmp_path / f'{family}.pth'
    torch.save(source.state_dict(), ckpt)
    pretrained = dict(type='Pretrained', checkpoint=str(ckpt))
    init_cfg = [dict(type='Constant', layer='Linear', val=3.0), pretrained] if as_list \
        else pretrained
    target = BUILDERS[family](init_cfg=init_cfg)
    target.init_weights()
    loaded, expected = target.state_dict(), source.state_dict()
    changed = [k for k in expected if not torch.equal(loaded[k], expected[k])]
    assert not changed, f'{family}: init_weights overwrote loaded weights {changed[:5]}'
