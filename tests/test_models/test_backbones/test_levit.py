"""LeViT: stage outputs, the attention-bias layout, frozen stages and the deploy (fused) form."""
import pytest
import torch

from mmcls.models.backbones.levit import LeViT
from mmcls.models.heads.levit_head import LeViTClsHead

TINY = dict(embed_dims=[16, 32, 48], num_heads=[2, 2, 3], depths=[1, 1, 1], key_dims=[8, 8, 8])


def _randomise_bn(model):
    torch.manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)


def test_stage_outputs_and_resolutions():
    model = LeViT(TINY, img_size=64, out_indices=(0, 1, 2)).eval()
    outs = model(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 4, 4), (2, 32, 2, 2), (2, 48, 1, 1)]
    assert model.resolutions == [4, 2, 1]


def test_named_archs_and_errors():
    assert LeViT('128S').embed_dims == [128, 256, 384]
    with pytest.raises(KeyError, match='arch'):
        LeViT('512')
    with pytest.raises(ValueError, match='out_indices'):
        LeViT(TINY, img_size=64, out_indices=3)


def test_subsample_attention_bias_indexes_offsets_between_grids():
    model = LeViT(TINY, img_size=64)
    down = model.stages[1][0]
    # queries on the 2x2 subsampled grid, keys on the 4x4 grid
    assert down.attention_bias_idxs.shape == (4, 16)
    assert int(down.attention_bias_idxs[0, 0]) == 0  # query (0,0) vs key (0,0)
    same = model.stages[0][0].block.attention_bias_idxs
    assert torch.equal(same, same.T) and bool((same.diagonal() == 0).all())


def test_switch_to_deploy_keeps_outputs():
    model = LeViT(TINY, img_size=64, out_indices=(0, 1, 2)).eval()
    _randomise_bn(model)
    x = torch.randn(2, 3, 64, 64)
    before = model(x)
    model.switch_to_deploy()
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in model.modules())
    after = model(x)
    for a, b in zip(before, after):
        assert torch.allclose(a, b, atol=1e-4)


def test_head_deploy_and_distillation():
    head = LeViTClsHead(num_classes=5, in_channels=8).eval()
    _randomise_bn(head)
    feats = (torch.randn(3, 8), )
    before = head(feats)
    head.switch_to_deploy()
    assert torch.allclose(head(feats), before, atol=1e-5)
    head.train()
    with pytest.raises(RuntimeError, match='distillation'):
        head(feats)
    plain = LeViTClsHead(num_classes=5, in_channels=8, distillation=False)
    assert plain(feats).shape == (3, 5) and not hasattr(plain, 'head_dist')


def test_frozen_stages():
    model = LeViT(TINY, img_size=64, frozen_stages=1)
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())
    assert not model.stages[0].training and model.stages[1].training


def test_deploy_config_matches_the_switched_train_model():
    from pathlib import Path

    import mmcls
    root = Path(__file__).resolve().parents[3] / 'configs' / 'levit'
    torch.manual_seed(0)
    model = mmcls.get_model(str(root / 'levit-128s_8xb256_in1k.py'))
    _randomise_bn(model)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = model(x, mode='tensor')
        model.backbone.switch_to_deploy()
        model.head.switch_to_deploy()
        deployed = mmcls.get_model(str(root / 'deploy' / 'levit-128s_8xb256_in1k.py'))
        deployed.load_state_dict(model.state_dict())
        assert torch.allclose(deployed(x, mode='tensor'), expected, atol=1e-4)


def test_arch_attributes_and_out_indices_list():
    model = LeViT('256', out_indices=(-1, 0), drop_path_rate=0.1)
    assert model.out_indices == [2, 0]
    assert model.key_dims == [32, 32, 32] and model.num_heads == [4, 6, 8]
    assert model.depths == [4, 4, 4] and model.drop_path_rate == 0.1


def test_attention_caches_its_expanded_biases_in_eval_mode_and_refreshes_them():
    from mmcls.models.backbones.levit import Attention
    torch.manual_seed(0)
    block = Attention(16, 4, num_heads=2, attn_ratio=2, resolution=4)
    assert block.attn_ratio == 2
    torch.nn.init.normal_(block.attention_biases)
    x = torch.randn(1, 16, 16)
    out = block.eval()(x)
    assert torch.equal(block.ab, block.attention_biases[:, block.attention_bias_idxs])
    assert 'ab' not in block.state_dict()
    with torch.no_grad():
        assert torch.allclose(block(x), out)
        new = {k: torch.randn_like(v) if k == 'attention_biases' else v
               for k, v in block.state_dict().items()}
        block.load_state_dict(new)
        assert not torch.allclose(block(x), out)  # the cache follows the loaded biases
    assert torch.equal(block.ab, new['attention_biases'][:, block.attention_bias_idxs])
    block(x).sum().backward()  # eval mode still trains the biases
    assert block.attention_biases.grad is not None
    block.train()(x)
    assert not hasattr(block, 'ab')
