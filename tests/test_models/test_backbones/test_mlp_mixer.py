"""MLP-Mixer backbone: (B, C, tokens) outputs, fixed input size, freezing."""
import pytest
import torch

from mmcls.models.backbones.mlp_mixer import MlpMixer

TINY = dict(embed_dims=16, num_layers=2, tokens_mlp_dims=8, channels_mlp_dims=32)


def small(**kwargs) -> MlpMixer:
    torch.manual_seed(0)
    return MlpMixer(arch=TINY, img_size=32, patch_size=8, **kwargs)


def test_zoo_archs_and_state_dict_layout():
    assert MlpMixer.arch_zoo['l']['tokens_mlp_dims'] == 512
    keys = set(small().state_dict())
    assert {'layers.0.token_mix.layers.0.0.weight', 'layers.0.channel_mix.layers.1.weight',
            'layers.0.ln1.weight', 'layers.0.ln2.weight', 'ln1.weight'} <= keys
    assert small().layers[0].token_mix.layers[0][0].weight.shape == (8, 16)  # 16 tokens
    with pytest.raises(KeyError, match='arch'):
        MlpMixer('huge')


def test_outputs_are_channel_by_token_maps():
    outs = small(out_indices=(0, 1)).eval()(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 16), (2, 16, 16)]
    with pytest.raises(ValueError, match='img_size'):
        small()(torch.randn(1, 3, 40, 40))


def test_token_mixing_mixes_across_patches():
    model = small().eval()
    x = torch.randn(1, 3, 32, 32)
    changed = x.clone()
    changed[..., :8, :8] += 1.  # only the first patch
    out, changed_out = model(x)[0], model(changed)[0]
    assert not torch.allclose(out[..., -1], changed_out[..., -1])


def test_frozen_stages():
    model = small(frozen_stages=1)
    model.train()
    assert not any(p.requires_grad for p in model.patch_embed.parameters())
    assert not any(p.requires_grad for p in model.layers[0].parameters())
    assert all(p.requires_grad for p in model.layers[1].parameters())
