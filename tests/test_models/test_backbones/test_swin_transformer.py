"""Swin Transformer backbone: stage outputs, options, freezing and checkpoint resizing."""
import pytest
import torch

from mmcls.models.backbones.swin_transformer import SwinTransformer

TINY = dict(embed_dims=8, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4])


def small(**kwargs) -> SwinTransformer:
    torch.manual_seed(0)
    kwargs.setdefault('window_size', 2)
    return SwinTransformer(arch=TINY, img_size=64, **kwargs)


def test_zoo_arch_names_and_custom_arch_errors():
    model = SwinTransformer('tiny')
    assert model.num_features == [96, 192, 384, 768] and model.depths == [2, 2, 6, 2]
    assert SwinTransformer('b').embed_dims == 128
    with pytest.raises(KeyError, match='arch'):
        SwinTransformer('huge')
    with pytest.raises(ValueError, match='custom arch'):
        SwinTransformer(dict(embed_dims=8))


def test_out_indices_give_one_normalised_map_per_stage():
    model = small(out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 32, 4, 4),
                                              (1, 64, 2, 2)]
    assert all(hasattr(model, f'norm{i}') for i in range(4))
    with pytest.raises(ValueError, match='out of range'):
        small(out_indices=(4, ))


def test_out_after_downsample_outputs_the_merged_maps():
    model = small(out_indices=(0, 3), out_after_downsample=True).eval()
    first, last = model(torch.randn(1, 3, 64, 64))
    assert first.shape == (1, 16, 8, 8) and last.shape == (1, 64, 2, 2)


def test_other_input_sizes_and_absolute_position_embedding():
    model = small(use_abs_pos_embed=True, pad_small_map=True).eval()
    assert model.absolute_pos_embed.shape == (1, 256, 8)
    out, = model(torch.randn(2, 3, 72, 56))  # 18x14 tokens: padded windows, resized embedding
    assert out.shape == (2, 64, 3, 2)


def test_frozen_stages_and_train_mode():
    model = small(frozen_stages=1, out_indices=(0, 3))
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert not model.norm0.weight.requires_grad and not model.stages[0].training
    assert all(p.requires_grad for p in model.stages[1].parameters())
    assert model.stages[1].training


def test_gradient_checkpointing_gives_the_same_output_and_gradients():
    x = torch.randn(1, 3, 64, 64)
    plain, ckpt = small(), small(with_cp=True)
    ckpt.load_state_dict(plain.state_dict())
    out_plain, out_ckpt = plain(x)[0], ckpt(x)[0]
    assert torch.allclose(out_plain, out_ckpt, atol=1e-6)
    out_plain.sum().backward()
    out_ckpt.sum().backward()
    grad = plain.stages[0].blocks[0].attn.w_msa.qkv.weight.grad
    assert torch.allclose(grad, ckpt.stages[0].blocks[0].attn.w_msa.qkv.weight.grad, atol=1e-5)


def test_checkpoint_of_another_window_size_is_resized_on_load():
    source = small(window_size=4)
    target = small(window_size=2)
    target.load_state_dict(source.state_dict())
    table = target.stages[0].blocks[0].attn.w_msa.relative_position_bias_table
    assert table.shape == (9, 1)
    assert target.stages[0].blocks[0].attn.w_msa.relative_position_index.max() == 8


def test_zoo_classifier_outputs_as_the_seed_prints():
    import mmcls
    model = mmcls.get_model('swin-tiny_16xb64_in1k').eval()
    with torch.no_grad():
        inputs = torch.rand(1, 3, 224, 224)
        assert model(inputs).shape == (1, 1000)
        assert model.extract_feat(inputs)[0].shape == (1, 768)


def test_old_layout_checkpoint_is_upgraded_on_load(tmp_path):
    from mmcls.core.checkpoint import load_checkpoint
    source = small()
    state = source.state_dict()
    old = {('norm.' + k[len('norm3.'):] if k.startswith('norm3.') else k): v
           for k, v in state.items()}
    old['stages.0.blocks.1.attn.attn_mask'] = torch.zeros(4, 4, 4)  # stored by old versions
    torch.save({'state_dict': old}, tmp_path / 'old.pth')
    target = small()
    torch.nn.init.zeros_(target.norm3.weight)
    load_checkpoint(target, str(tmp_path / 'old.pth'), strict=True)
    torch.testing.assert_close(target.norm3.weight, source.norm3.weight)


def test_absolute_position_embedding_is_resized_by_the_checkpoint_loader(tmp_path):
    from mmcls.core.checkpoint import load_checkpoint
    source = small(use_abs_pos_embed=True)
    torch.save({'state_dict': source.state_dict()}, tmp_path / 'abs.pth')
    target = SwinTransformer(arch=TINY, img_size=96, window_size=2, use_abs_pos_embed=True)
    load_checkpoint(target, str(tmp_path / 'abs.pth'), strict=True)
    assert target.absolute_pos_embed.shape == (1, 576, 8)
