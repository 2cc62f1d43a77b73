"""RevViT: outputs, the reversible backward pass against plain autograd, and freezing."""
import pytest
import torch

from mmcls.models.backbones.revvit import RevVisionTransformer

TINY = dict(embed_dims=16, num_layers=3, num_heads=2, feedforward_channels=32)


def test_outputs():
    model = RevVisionTransformer(TINY, img_size=32, patch_size=8).eval()
    out, = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 32)  # both streams concatenated
    model = RevVisionTransformer(TINY, img_size=32, patch_size=8, avg_token=False,
                                 fusion_mode='add').eval()
    out, = model(torch.randn(2, 3, 48, 32))
    assert out.shape == (2, 16, 6, 4)


def test_reversible_backward_matches_autograd():
    torch.manual_seed(0)
    model = RevVisionTransformer(TINY, img_size=32, patch_size=8, drop_path_rate=0.3)
    model.train()
    x = torch.randn(2, 3, 32, 32)

    def grads(no_custom_backward):
        model.zero_grad()
        model.no_custom_backward = no_custom_backward
        torch.manual_seed(1)
        model(x)[0].pow(2).sum().backward()
        return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    reference = grads(True)
    reversible = grads(False)
    assert reference.keys() == reversible.keys()
    for name in reference:
        assert torch.allclose(reference[name], reversible[name], atol=1e-4), name


def test_errors_and_freezing():
    with pytest.raises(ValueError, match='last layer'):
        RevVisionTransformer(TINY, img_size=32, patch_size=8, out_indices=0)
    with pytest.raises(ValueError, match='mode'):
        RevVisionTransformer(TINY, img_size=32, patch_size=8, fusion_mode='mul')
    model = RevVisionTransformer(TINY, img_size=32, patch_size=8, frozen_stages=1)
    model.train()
    assert not model.pos_embed.requires_grad
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())


@pytest.mark.parametrize('as_list', [False, True])
def test_pretrained_init_keeps_pos_embed(tmp_path, as_list):
    """A ``Pretrained`` init_cfg, alone or in a list, loads ``pos_embed`` and init_weights must
    not overwrite it with a fresh random one."""
    source = RevVisionTransformer(TINY, img_size=32, patch_size=8)
    torch.nn.init.constant_(source.pos_embed, 0.5)
    ckpt = tmp_path / 'revvit.pth'
    torch.save(source.state_dict(), ckpt)
    pretrained = dict(type='Pretrained', checkpoint=str(ckpt))
    init_cfg = [dict(type='Constant', layer='LayerNorm', val=1.), pretrained] if as_list \
        else pretrained
    target = RevVisionTransformer(TINY, img_size=32, patch_size=8, init_cfg=init_cfg)
    target.init_weights()
    assert torch.equal(target.pos_embed, source.pos_embed)
