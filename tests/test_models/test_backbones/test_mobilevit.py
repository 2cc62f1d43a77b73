"""MobileViT: stage outputs, unfold/fold round trip, odd sizes, freezing and norm_eval."""
import pytest
import torch

from mmcls.models.backbones.mobilevit import MobileViT, MobileVitBlock

TINY = [['mobilenetv2', 8, 1, 1, 2], ['mobilevit', 16, 2, 16, 32, 1, 2]]


def test_xx_small_stage_outputs():
    model = MobileViT('xx_small', out_indices=(0, 1, 2, 3, 4)).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 16, 32, 32), (1, 24, 16, 16), (1, 48, 8, 8),
                                              (1, 64, 4, 4), (1, 320, 2, 2)]


def test_custom_arch_and_sizes_that_need_resizing():
    model = MobileViT(arch=TINY, stem_channels=8, last_exp_factor=2, out_indices=-1).eval()
    out, = model(torch.randn(2, 3, 36, 36))  # 18 -> 9: not a multiple of the patch size
    assert out.shape == (2, 32, 9, 9)


def test_unfold_fold_round_trip():
    block = MobileVitBlock(8, 8, 16, 8, patch_size=2)
    x = torch.randn(2, 8, 6, 4)
    tokens, grid = block._unfold(x)
    assert tokens.shape == (2 * 4, 3 * 2, 8)
    # The first sequence holds the top-left pixel of every patch, in raster order.
    torch.testing.assert_close(tokens[0, :, 0], x[0, 0, ::2, ::2].flatten())
    torch.testing.assert_close(block._fold(tokens, 2, grid), x)


def test_invalid_options():
    with pytest.raises(KeyError, match='arch'):
        MobileViT('tiny')
    with pytest.raises(ValueError, match='frozen_stages'):
        MobileViT(arch=TINY, out_indices=-1, frozen_stages=5)
    with pytest.raises(ValueError, match='layer 0 type'):
        MobileViT(arch=[['resnet', 8, 1, 1, 2]], out_indices=0)


def test_frozen_stages_and_norm_eval():
    model = MobileViT(arch=TINY, out_indices=-1, frozen_stages=1, norm_eval=True)
    model.train()
    assert not any(p.requires_grad for p in model.stem.parameters())
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)


def test_how_to_use_snippet_shapes():
    """MobileViT chapter, "How to use": scores (1, 1000) and pooled features (1, 640)."""
    import mmcls
    model = mmcls.get_model('configs/mobilevit/mobilevit-small_8xb128_in1k.py').eval()
    inputs = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        assert model(inputs).shape == (1, 1000)
        outs = model.extract_feat(inputs)
    assert outs[0].shape == (1, 640)
