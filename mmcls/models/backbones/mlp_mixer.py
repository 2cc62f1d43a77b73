"""MLP-Mixer (Tolstikhin et al. 2021): alternating token-mixing and channel-mixing MLPs over
patch tokens, with no attention."""
from typing import List, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule
from ..utils.embed import build_patch_embed
from ..utils.ffn import FFN, init_linears_xavier
from ..utils.norm import build_norm_layer
from ..utils.token_layers import build_layers, run_layers
from .base_backbone import BaseBackbone, leading_layers, normalize_out_indices
from .base_backbone import resolve_arch

# embed_dims, num_layers, tokens_mlp_dims (token-mixing hidden width),
# channels_mlp_dims (channel-mixing hidden width)
arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims=512, num_layers=8, tokens_mlp_dims=256,
                                         channels_mlp_dims=2048)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=768, num_layers=12, tokens_mlp_dims=384,
                                        channels_mlp_dims=3072)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=1024, num_layers=24, tokens_mlp_dims=512,
                                         channels_mlp_dims=4096)),
}


class MixerBlock(BaseModule):
    """``x + token_mix(ln1(x)^T)^T`` (an MLP across the ``num_tokens`` patches) then
    ``x + channel_mix(ln2(x))`` (an MLP across channels).

    Args:
        num_tokens: number of patches, the width of the token-mixing MLP.
        embed_dims: token width.
        tokens_mlp_dims / channels_mlp_dims: hidden widths of the two MLPs.
        drop_rate / drop_path_rate: dropout inside the MLPs / stochastic depth of both branches.
    """

    def __init__(self,
                 num_tokens: int,
                 embed_dims: int,
                 tokens_mlp_dims: int,
                 channels_mlp_dims: int,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 num_fcs: int = 2,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.token_mix = FFN(embed_dims=num_tokens, feedforward_channels=tokens_mlp_dims,
                             num_fcs=num_fcs, ffn_drop=drop_rate, dropout_layer=drop_path,
                             act_cfg=act_cfg, add_identity=False)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.channel_mix = FFN(embed_dims=embed_dims, feedforward_channels=channels_mlp_dims,
                               num_fcs=num_fcs, ffn_drop=drop_rate, dropout_layer=drop_path,
                               act_cfg=act_cfg)

    def init_weights(self) -> None:
        super().init_weights()
        init_linears_xavier(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.token_mix(self.ln1(x).transpose(1, 2)).transpose(1, 2)
        return self.channel_mix(self.ln2(x), identity=x)


@MODELS.register_module()
class MlpMixer(BaseBackbone):
    """MLP-Mixer backbone; each selected layer outputs a (B, C, num_tokens) tensor.

    Args:
        arch: 's', 'b', 'l' (or small/base/large) or a dict with embed_dims, num_layers,
            tokens_mlp_dims, channels_mlp_dims.
        img_size / patch_size: the token-mixing MLPs are sized for ``img_size``, so inputs must
            have this size.
        out_indices: layers whose output is returned (negative counts from the end).
        final_norm: apply ``ln1`` after the last layer.
        frozen_stages: freeze the patch embedding and the first N layers.
    """
    num_extra_tokens = 0
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN'),
                 act_cfg: dict = dict(type='GELU'),
                 final_norm: bool = True,
                 frozen_stages: int = -1,
                 patch_cfg: dict = dict(),
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        owner = type(self).__name__
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.img_size = img_size
        self.patch_embed = build_patch_embed(in_channels, img_size, self.embed_dims, patch_size,
                                             patch_cfg)
        self.patch_resolution = self.patch_embed.init_out_size
        num_tokens = self.patch_resolution[0] * self.patch_resolution[1]

        self.out_indices = normalize_out_indices(out_indices, self.num_layers, owner)
        self.layers = build_layers(MixerBlock, self.num_layers, drop_path_rate, layer_cfgs,
                                   num_tokens=num_tokens, embed_dims=self.embed_dims,
                                   tokens_mlp_dims=self.arch_settings['tokens_mlp_dims'],
                                   channels_mlp_dims=self.arch_settings['channels_mlp_dims'],
                                   drop_rate=drop_rate, act_cfg=act_cfg, norm_cfg=norm_cfg)
        self.final_norm = final_norm
        if final_norm:
            self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)[1]
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    def forward(self, x: torch.Tensor) -> tuple:
        if tuple(x.shape[-2:]) != tuple(self.patch_embed.init_input_size):
            raise ValueError(f'MlpMixer: the input size {tuple(x.shape[-2:])} differs from '
                             f'img_size {self.patch_embed.init_input_size}; the token-mixing MLPs '
                             'need a fixed number of patches')
        x, _ = self.patch_embed(x)
        _, outs = run_layers(self.layers, x, self.out_indices,
                             self.ln1 if self.final_norm else None, lambda t: t.transpose(1, 2))
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        # as in ViT, frozen_stages=0 freezes nothing (not even the patch embedding)
        if self.frozen_stages <= 0:
            return []
        return [self.patch_embed, *leading_layers(self.layers, self.frozen_stages,
                                                  self.ln1 if self.final_norm else None)]


__all__ = ['MlpMixer', 'MixerBlock']
