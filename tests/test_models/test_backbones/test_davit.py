"""DaViT: stage outputs, channel attention, window padding of odd maps and freezing."""
import pytest
import torch

from mmcls.models.backbones.davit import ChannelAttention, DaViT

TINY = dict(embed_dims=16, depths=[1, 1, 1, 1], num_heads=[1, 2, 2, 4])


def test_outputs_of_every_stage():
    model = DaViT(TINY, window_size=2, out_indices=(0, 1, 2, 3)).eval()
    outs = model(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 16, 16), (2, 32, 8, 8), (2, 64, 4, 4),
                                              (2, 128, 2, 2)]


def test_out_after_downsample_reports_downsampled_widths():
    model = DaViT(TINY, window_size=2, out_indices=(0, 2), out_after_downsample=True).eval()
    outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 32, 8, 8), (1, 128, 2, 2)]


def test_odd_maps_are_padded_for_windows_and_downsampling():
    model = DaViT(TINY, window_size=2, out_indices=(3, )).eval()
    out, = model(torch.randn(1, 3, 52, 60))  # 13x15 tokens after the stride-4 stem
    assert out.shape == (1, 128, 2, 2)


def test_channel_attention_is_permutation_equivariant_over_tokens():
    torch.manual_seed(0)
    attn = ChannelAttention(8, num_heads=2, qkv_bias=True).eval()
    x = torch.randn(2, 5, 8)
    perm = torch.tensor([3, 0, 4, 1, 2])
    assert torch.allclose(attn(x)[:, perm], attn(x[:, perm]), atol=1e-5)


def test_archs_and_freezing():
    assert DaViT('base').embed_dims == 128
    with pytest.raises(KeyError, match='arch'):
        DaViT('xl')
    model = DaViT(TINY, window_size=2, out_indices=(0, 3), frozen_stages=0)
    model.train()
    assert not any(p.requires_grad for p in model.stages[0].parameters())
    assert not any(p.requires_grad for p in model.norm0.parameters())
    assert all(p.requires_grad for p in model.stages[1].parameters())


def test_davit_downsample_options():
    from mmcls.models.backbones.davit import DaViTDownSample, DaViTWindowMSA
    x = torch.randn(2, 7 * 7, 8)
    # no norm by default; 'same' padding covers an odd map
    down = DaViTDownSample(8, 16)
    assert isinstance(down.norm, torch.nn.Identity)
    out, size = down(x, (7, 7))
    assert size == (4, 4) and out.shape == (2, 16, 16)
    # an integer padding goes to the conv, and a dilation widens the kernel
    down = DaViTDownSample(8, 16, kernel_size=3, stride=1, padding=2, dilation=2,
                           norm_cfg=dict(type='LN'))
    assert down.adaptive_padding is None and down.projection.dilation == (2, 2)
    out, size = down(x, (7, 7))
    assert size == (7, 7) and out.shape == (2, 49, 16)
    assert DaViTWindowMSA.double_step_seq(3, 2, 1, 3).tolist() == [[0, 1, 2, 3, 4, 5]]
