"""DeiT III (Touvron et al. 2022, "Revenge of the ViT"): a ViT with LayerScale on both residual
branches and a position embedding that covers the patch tokens only (the class token is added
after it)."""
from typing import Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.attention import MultiheadAttention
from ..utils.base_module import BaseModule, ModuleList
from ..utils.embed import PatchEmbed, resize_pos_embed
from ..utils.ffn import FFN
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from .base_backbone import BaseBackbone, normalize_out_indices
from .vision_transformer import VisionTransformer, resolve_arch

# embed_dims, num_layers, num_heads, feedforward_channels
arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims=384, num_layers=12, num_heads=6,
                                         feedforward_channels=1536)),
    **dict.fromkeys(['m', 'medium'], dict(embed_dims=512, num_layers=12, num_heads=8,
                                          feedforward_channels=2048)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=768, num_layers=12, num_heads=12,
                                        feedforward_channels=3072)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=1024, num_layers=24, num_heads=16,
                                         feedforward_channels=4096)),
    **dict.fromkeys(['h', 'huge'], dict(embed_dims=1280, num_layers=32, num_heads=16,
                                        feedforward_channels=5120)),
}


class DeiT3TransformerEncoderLayer(BaseModule):
    """Pre-norm transformer layer with LayerScale (``attn.gamma1``, ``ffn.gamma2``) on both
    branches: ``x + gamma1 * attn(ln1(x))`` then ``x + gamma2 * ffn(ln2(x))``."""

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 num_fcs: int = 2,
                 qkv_bias: bool = True,
                 use_layer_scale: bool = True,
                 layer_scale_init_value: float = 1e-4,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        scale = layer_scale_init_value if use_layer_scale else 0.
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = MultiheadAttention(
            embed_dims=embed_dims, num_heads=num_heads, attn_drop=attn_drop_rate,
            proj_drop=drop_rate, dropout_layer=drop_path, qkv_bias=qkv_bias,
            use_layer_scale=use_layer_scale, layer_scale_init_value=scale)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims=embed_dims, feedforward_channels=feedforward_channels,
                       num_fcs=num_fcs, ffn_drop=drop_rate, dropout_layer=drop_path,
                       act_cfg=act_cfg, layer_scale_init_value=scale)

    def init_weights(self) -> None:
        super().init_weights()
        for m in self.ffn.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return self.ffn(self.ln2(x), identity=x)


@MODELS.register_module()
class DeiT3(VisionTransformer):
    """DeiT III backbone; outputs and options as :class:`VisionTransformer`.

    Args:
        arch: 's', 'm', 'b', 'l', 'h' (or small/medium/base/large/huge) or a custom dict.
        img_size / patch_size: training resolution and patch size (16; 14 for huge).
        use_layer_scale / layer_scale_init_value: LayerScale of both branches of every layer.
        Other arguments as :class:`VisionTransformer`.
    """
    num_extra_tokens = 1  # the class token (not covered by the position embedding)
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 final_norm: bool = True,
                 with_cls_token: bool = True,
                 avg_token: bool = False,
                 frozen_stages: int = -1,
                 output_cls_token: bool = True,
                 use_layer_scale: bool = True,
                 layer_scale_init_value: float = 1e-4,
                 interpolate_mode: str = 'bicubic',
                 patch_cfg: dict = dict(),
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 init_cfg=None) -> None:
        BaseBackbone.__init__(self, init_cfg)
        owner = type(self).__name__
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.img_size = to_2tuple(img_size)
        if output_cls_token and not with_cls_token:
            raise ValueError('output_cls_token=True needs with_cls_token=True')

        patch = dict(in_channels=in_channels, input_size=img_size, embed_dims=self.embed_dims,
                     conv_type='Conv2d', kernel_size=patch_size, stride=patch_size)
        patch.update(patch_cfg)
        self.patch_embed = PatchEmbed(**patch)
        self.patch_resolution = self.patch_embed.init_out_size
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]

        self.with_cls_token = with_cls_token
        self.output_cls_token = output_cls_token
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.interpolate_mode = interpolate_mode
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, self.embed_dims))
        self._register_load_state_dict_pre_hook(self._prepare_pos_embed)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        self.out_indices = normalize_out_indices(out_indices, self.num_layers, owner)
        dpr = torch.linspace(0, drop_path_rate, self.num_layers).tolist()
        if isinstance(layer_cfgs, dict):
            layer_cfgs = [layer_cfgs] * self.num_layers
        self.layers = ModuleList()
        for i in range(self.num_layers):
            cfg = dict(embed_dims=self.embed_dims, num_heads=self.arch_settings['num_heads'],
                       feedforward_channels=self.arch_settings['feedforward_channels'],
                       drop_rate=drop_rate, drop_path_rate=dpr[i], qkv_bias=qkv_bias,
                       norm_cfg=norm_cfg, use_layer_scale=use_layer_scale,
                       layer_scale_init_value=layer_scale_init_value)
            cfg.update(layer_cfgs[i])
            self.layers.append(DeiT3TransformerEncoderLayer(**cfg))

        self.pre_norm = nn.Identity()
        self.final_norm = final_norm
        if final_norm:
            self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)[1]
        self.avg_token = avg_token
        if avg_token:
            self.ln2 = build_norm_layer(norm_cfg, self.embed_dims)[1]
        self.frozen_stages = frozen_stages
        if frozen_stages > 0:
            self._freeze_stages()

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs) -> None:
        """Resize a checkpoint's (patch-only) position embedding to this model's patch grid."""
        key = prefix + 'pos_embed'
        if key not in state_dict or state_dict[key].shape == self.pos_embed.shape:
            return
        ckpt = state_dict[key]
        side = int(ckpt.shape[1]**0.5)
        if side * side != ckpt.shape[1]:
            raise ValueError(f'cannot resize {key} of shape {tuple(ckpt.shape)}: its patch grid '
                             'is not square')
        state_dict[key] = resize_pos_embed(ckpt, (side, side), self.patch_resolution,
                                           self.interpolate_mode, num_extra_tokens=0)

    def forward(self, x: torch.Tensor) -> tuple:
        batch = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                 mode=self.interpolate_mode, num_extra_tokens=0)
        x = self.drop_after_pos(x)
        x = torch.cat(self._extra_tokens(batch) + [x], dim=1)
        if not self.with_cls_token:
            x = x[:, self.num_extra_tokens:]

        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, patch_resolution))
        return tuple(outs)


__all__ = ['DeiT3', 'DeiT3TransformerEncoderLayer']
