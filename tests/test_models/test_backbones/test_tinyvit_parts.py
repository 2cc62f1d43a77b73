"""TinyViT building blocks: stem, patch merging, MBConv, MLP, window-attention block and stages."""
import pytest
import torch
import torch.nn.functional as F

from mmcls.models.backbones.tinyvit import (MLP, BasicStage, ConvStage, MBConvBlock, PatchEmbed,
                                            PatchMerging, TinyViT, TinyViTBlock)

TINY = dict(channels=[8, 16, 16, 32], num_heads=[1, 2, 2, 4], depths=[1, 1, 2, 1])


def test_patch_embed_reports_the_grid_of_its_build_resolution():
    embed = PatchEmbed(3, 16, (64, 96))
    assert embed.patches_resolution == (16, 24) and embed.num_patches == 384
    assert (embed.in_channels, embed.embed_dim) == (3, 16)
    assert embed(torch.randn(2, 3, 32, 40)).shape == (2, 16, 8, 10)  # the grid follows the input


def test_patch_merging_halves_odd_grids_upwards_from_tokens_or_maps():
    torch.manual_seed(0)
    merge = PatchMerging((7, 5), 8, 12).eval()
    assert merge.out_resolution == (4, 3)
    feature_map = torch.randn(2, 8, 7, 5)
    tokens = feature_map.flatten(2).transpose(1, 2)
    out, hw = merge(tokens)  # the grid defaults to the build resolution
    assert out.shape == (2, 12, 12) and hw == (4, 3)
    torch.testing.assert_close(merge(feature_map)[0], out)
    out, hw = merge(torch.randn(1, 6 * 4, 8), (6, 4))
    assert out.shape == (1, 6, 12) and hw == (3, 2)


def test_mbconv_block_starts_as_the_activated_identity():
    # the last BN's scale starts at zero, so the residual branch adds nothing at first
    block = MBConvBlock(8, 8, expand_ratio=2, drop_path=0.)
    assert block.conv2.conv2d.out_channels == 16 and block.conv2.conv2d.groups == 16
    x = torch.randn(2, 8, 5, 5)
    torch.testing.assert_close(block(x), F.gelu(x))
    with pytest.raises(ValueError, match='out_channels == in_channels'):
        MBConvBlock(8, 16, 2, 0.)


def test_mlp_widths_default_to_the_input_width():
    mlp = MLP(6)
    assert (mlp.fc1.out_features, mlp.fc2.out_features) == (6, 6)
    mlp = MLP(6, hidden_channels=10, out_channels=4)
    assert (mlp.fc1.out_features, mlp.fc2.in_features, mlp.fc2.out_features) == (10, 10, 4)
    assert mlp(torch.randn(2, 3, 6)).shape == (2, 3, 4)


def test_tinyvit_block_attends_within_each_window():
    torch.manual_seed(0)
    block = TinyViTBlock(8, (6, 6), 2, window_size=3).eval()
    assert block.resolution == (6, 6) and block.attn.num_heads == 2
    x = torch.randn(1, 36, 8)
    grid = x.view(1, 6, 6, 8)
    out = block._window_attention(x, (6, 6)).view(1, 6, 6, 8)
    for row in (0, 3):
        for col in (0, 3):
            window = grid[:, row:row + 3, col:col + 3].reshape(1, 9, 8)
            expected = block.attn(window).view(1, 3, 3, 8)
            torch.testing.assert_close(out[:, row:row + 3, col:col + 3], expected)


def test_tinyvit_block_takes_the_built_grid_or_another_one():
    block = TinyViTBlock(8, (5, 6), 2, window_size=3).eval()
    assert block(torch.randn(2, 30, 8)).shape == (2, 30, 8)  # padded to whole windows
    assert block(torch.randn(1, 7 * 4, 8), (7, 4)).shape == (1, 28, 8)
    with pytest.raises(ValueError, match='tokens for grid'):
        block(torch.randn(1, 29, 8))
    with pytest.raises(ValueError, match='divisible'):
        TinyViTBlock(9, (5, 6), 2)


def test_stages_build_their_blocks_and_downsample():
    conv = ConvStage(8, (8, 8), 2, dict(type='GELU'), drop_path=[0., 0.1],
                     downsample=PatchMerging, out_channels=16, conv_expand_ratio=2.)
    assert [type(b) for b in conv.blocks] == [MBConvBlock, MBConvBlock]
    assert conv.blocks[1].drop_path.drop_prob == pytest.approx(0.1)
    assert isinstance(conv.downsample, PatchMerging) and conv.resolution == (4, 4)
    out, hw = conv(torch.randn(1, 8, 8, 8))
    assert out.shape == (1, 16, 16) and hw == (4, 4)

    basic = BasicStage(16, (4, 4), 3, num_heads=2, window_size=2, drop_path=0.2)
    assert [b.drop_path.drop_prob for b in basic.blocks] == [0.2] * 3
    assert basic.downsample is None and basic.resolution == (4, 4)
    out, hw = basic(torch.randn(2, 16, 16))
    assert out.shape == (2, 16, 16) and hw == (4, 4)
    with pytest.raises(ValueError, match='2 drop-path rates for 3 blocks'):
        BasicStage(16, (4, 4), 3, num_heads=2, window_size=2, drop_path=[0., 0.1])


def test_checkpointed_stage_gives_the_same_gradients():
    torch.manual_seed(0)
    plain = BasicStage(8, (4, 4), 2, num_heads=2, window_size=2, downsample=PatchMerging,
                       out_channels=8)
    cp = BasicStage(8, (4, 4), 2, num_heads=2, window_size=2, downsample=PatchMerging,
                    out_channels=8, use_checkpoint=True)
    cp.load_state_dict(plain.state_dict())
    assert cp.use_checkpoint and cp.with_cp and not plain.use_checkpoint
    x = torch.randn(1, 16, 8, requires_grad=True)
    grads = []
    for stage in (plain, cp):
        stage(x)[0].sum().backward()
        grads.append(x.grad.clone())
        x.grad = None
    torch.testing.assert_close(grads[0], grads[1])


def test_backbone_is_made_of_these_parts():
    model = TinyViT(arch=TINY, img_size=64)
    assert isinstance(model.patch_embed, PatchEmbed)
    assert model.patch_embed.patches_resolution == (16, 16)
    assert isinstance(model.stages[0], ConvStage)
    assert all(isinstance(stage, BasicStage) for stage in model.stages[1:])
    assert [stage.in_resolution for stage in model.stages] == [(16, 16), (8, 8), (4, 4), (2, 2)]
    assert [type(stage.downsample) for stage in model.stages[:3]] == [PatchMerging] * 3
    assert model.stages[3].downsample is None
    assert isinstance(model.stages[1].blocks[0].mlp, MLP)
