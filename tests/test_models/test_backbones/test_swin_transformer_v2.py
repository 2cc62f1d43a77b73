"""Swin Transformer V2 backbone: per-stage windows, post-norm blocks, computed bias geometry."""
import pytest
import torch

from mmcls.models.backbones.swin_transformer_v2 import SwinTransformerV2

TINY = dict(embed_dims=8, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4], extra_norm_every_n_layers=0)


def small(**kwargs) -> SwinTransformerV2:
    torch.manual_seed(0)
    kwargs.setdefault('arch', TINY)
    kwargs.setdefault('window_size', 2)
    return SwinTransformerV2(img_size=64, **kwargs)


def test_zoo_arch_names():
    assert SwinTransformerV2.arch_zoo['large']['embed_dims'] == 192
    assert SwinTransformerV2('tiny', window_size=[16, 16, 16, 8]).window_sizes == [16, 16, 16, 8]
    with pytest.raises(KeyError, match='arch'):
        SwinTransformerV2('xl')
    with pytest.raises(ValueError, match='one per stage'):
        SwinTransformerV2('tiny', window_size=[8, 8])


def test_stage_outputs_merge_before_the_blocks():
    model = small(out_indices=(0, 1, 2, 3)).eval()
    assert model.stages[0].downsample is None and model.stages[1].downsample is not None
    assert model.stages[1].downsample.norm.normalized_shape == (16, )  # post-norm merging
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 32, 4, 4),
                                              (1, 64, 2, 2)]


def test_per_stage_windows_and_pretrained_window_normalisation():
    model = small(window_size=[4, 4, 2, 2], pretrained_window_sizes=[2, 2, 0, 0])
    w_msa = model.stages[0].blocks[0].attn.w_msa
    assert w_msa.relative_coords_table.shape == (1, 7, 7, 2)
    plain = small(window_size=[4, 4, 2, 2]).stages[0].blocks[0].attn.w_msa
    assert w_msa.relative_coords_table.abs().max() > plain.relative_coords_table.abs().max()
    assert model.stages[2].blocks[0].attn.w_msa.relative_position_index.shape == (4, 4)
    assert model.stages[0].blocks[1].attn.shift_size == 2


def test_extra_norm_every_n_layers():
    model = small(arch=dict(TINY, extra_norm_every_n_layers=2))
    assert not hasattr(model.stages[0].blocks[0], 'norm3')
    assert hasattr(model.stages[0].blocks[1], 'norm3')
    assert SwinTransformerV2.arch_zoo['giant']['extra_norm_every_n_layers'] == 6


def test_loading_a_checkpoint_of_another_window_keeps_the_computed_geometry():
    source = small(window_size=4)
    target = small(window_size=2)
    state = {k: v for k, v in source.state_dict().items() if 'stages.3' not in k}
    state.update({k: v for k, v in target.state_dict().items() if 'stages.3' in k})
    target.load_state_dict(state)
    w_msa = target.stages[0].blocks[0].attn.w_msa
    assert w_msa.relative_coords_table.shape == (1, 3, 3, 2)
    source_mlp = source.stages[0].blocks[0].attn.w_msa.cpb_mlp
    assert torch.equal(w_msa.cpb_mlp[0].weight, source_mlp[0].weight)


def test_frozen_stages_and_absolute_position_embedding():
    model = small(frozen_stages=2, use_abs_pos_embed=True)
    model.train()
    assert not model.absolute_pos_embed.requires_grad
    assert not any(p.requires_grad for p in model.stages[1].parameters())
    assert all(p.requires_grad for p in model.stages[2].parameters())
    out, = model.eval()(torch.randn(1, 3, 80, 80))
    assert out.shape == (1, 64, 3, 3)


def test_gradient_checkpointing_gives_the_same_output_and_gradients():
    x = torch.randn(1, 3, 64, 64)
    # no stochastic depth: its random masks would differ between the two models
    plain, ckpt = small(drop_path_rate=0.), small(drop_path_rate=0., with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    out_plain, out_ckpt = plain(x)[0], ckpt(x)[0]
    assert torch.allclose(out_plain, out_ckpt, atol=1e-6)
    out_plain.sum().backward()
    out_ckpt.sum().backward()
    grad = plain.stages[1].blocks[1].attn.w_msa.qkv.weight.grad
    assert torch.allclose(grad, ckpt.stages[1].blocks[1].attn.w_msa.qkv.weight.grad, atol=1e-5)


def test_norm_eval_keeps_batch_norms_in_eval_mode():
    model = small(norm_eval=True, patch_cfg=dict(norm_cfg=dict(type='BN')))
    model.train()
    assert not model.patch_embed.norm.training
    assert model.stages[0].training


def test_custom_arch_may_spell_the_extra_norm_period_as_blocks():
    blocks = dict(TINY)
    blocks['extra_norm_every_n_blocks'] = blocks.pop('extra_norm_every_n_layers') + 2
    model = small(arch=blocks)
    assert model.extra_norm_every_n_blocks == model.extra_norm_every_n_layers == 2
    assert hasattr(model.stages[0].blocks[1], 'norm3')
    assert not hasattr(model.stages[0].blocks[0], 'norm3')


@pytest.mark.parametrize('names', [(), ('extra_norm_every_n_layers', 'extra_norm_every_n_blocks')])
def test_custom_arch_needs_exactly_one_extra_norm_period(names):
    arch = {k: v for k, v in TINY.items() if k != 'extra_norm_every_n_layers'}
    arch.update(dict.fromkeys(names, 0))
    with pytest.raises(ValueError, match='exactly one'):
        small(arch=arch)


def test_block_takes_extra_norm_fifth_like_rc6():
    from mmcls.models.backbones.swin_transformer_v2 import SwinBlockV2
    block = SwinBlockV2(8, 2, 2, False, True)
    assert block.extra_norm and hasattr(block, 'norm3')


def test_pad_small_map_accepts_a_size_off_the_window_grid():
    """A 256x309 input pads the last stage's 8x10 map up to the window: the partition then
    sees non-contiguous tensors and must still run."""
    model = SwinTransformerV2(arch='tiny', img_size=256, window_size=[16, 16, 16, 8],
                              pad_small_map=True).eval()
    with torch.no_grad():
        assert model(torch.rand(1, 3, 256, 309))[-1].shape == (1, 768, 8, 10)
