"""Vision Transformer and DeiT's distilled variant: outputs, options and the zoo fixtures."""
import pytest
import torch

from mmcls.models.backbones.deit import DistilledVisionTransformer
from mmcls.models.backbones.vision_transformer import VisionTransformer

TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def test_output_is_patch_map_and_cls_token_as_the_seed_prints():
    model = VisionTransformer(arch=TINY, img_size=32, patch_size=8).eval()
    (patch, cls), = model(torch.randn(2, 3, 32, 32))
    assert patch.shape == (2, 32, 4, 4) and cls.shape == (2, 32)


def test_out_indices_and_no_cls_token_output():
    model = VisionTransformer(arch=TINY, img_size=32, patch_size=8, out_indices=(0, -1),
                              output_cls_token=False)
    outs = model(torch.randn(1, 3, 32, 32))
    assert len(outs) == 2 and all(o.shape == (1, 32, 4, 4) for o in outs)
    with pytest.raises(ValueError, match='out of range'):
        VisionTransformer(arch=TINY, out_indices=5)
    with pytest.raises(ValueError, match='with_cls_token'):
        VisionTransformer(arch=TINY, with_cls_token=False, output_cls_token=True)


def test_arch_names_and_custom_arch_errors():
    assert VisionTransformer('deit-tiny').embed_dims == 192
    with pytest.raises(KeyError, match='arch'):
        VisionTransformer('unknown')
    with pytest.raises(ValueError, match='custom arch'):
        VisionTransformer(dict(embed_dims=8))


def test_other_input_size_interpolates_position_embedding():
    model = VisionTransformer(arch=TINY, img_size=32, patch_size=8).eval()
    (patch, _), = model(torch.randn(1, 3, 48, 40))
    assert patch.shape == (1, 32, 6, 5)


def test_avg_token_pre_norm_and_keys():
    model = VisionTransformer(arch=TINY, img_size=32, patch_size=8, avg_token=True,
                              output_cls_token=False, pre_norm=True)
    keys = set(model.state_dict())
    assert {'pre_norm.weight', 'ln1.weight', 'ln2.weight'} <= keys
    assert 'patch_embed.projection.bias' not in keys  # CLIP-style: no projection bias
    out, = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 32)


def test_loading_a_checkpoint_with_another_grid_resizes_pos_embed():
    small = VisionTransformer(arch=TINY, img_size=32, patch_size=8)
    big = VisionTransformer(arch=TINY, img_size=64, patch_size=8)
    big.load_state_dict(small.state_dict())
    assert big.pos_embed.shape == (1, 65, 32)
    torch.testing.assert_close(big.pos_embed[:, 0], small.pos_embed[:, 0])


def test_frozen_stages_freeze_embeddings_and_layers():
    model = VisionTransformer(arch=TINY, img_size=32, patch_size=8, frozen_stages=1)
    model.train()
    assert not model.pos_embed.requires_grad and not model.cls_token.requires_grad
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())


def test_distilled_outputs_three_tokens():
    model = DistilledVisionTransformer(arch=TINY, img_size=32, patch_size=8).eval()
    (patch, cls, dist), = model(torch.randn(1, 3, 32, 32))
    assert model.pos_embed.shape == (1, 16 + 2, 32)
    assert patch.shape == (1, 32, 4, 4) and cls.shape == dist.shape == (1, 32)


@pytest.mark.parametrize('name', [
    'deit-tiny_pt-4xb256_in1k',
    'deit-tiny-distilled_3rdparty_pt-4xb256_in1k',
    'clip-vit-base-p32_openai-pre_3rdparty_in1k',
])
def test_zoo_fixture(name, check_zoo_model):
    check_zoo_model(name)
