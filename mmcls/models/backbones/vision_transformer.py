"""Vision Transformer (ViT, Dosovitskiy et al. 2021), also used by DeiT and the CLIP zoo models.

Each selected layer outputs ``[patch_token (B, C, H, W), cls_token (B, C)]`` (MMClassification
1.0.0rc6 layout); ``VisionTransformerClsHead`` classifies the class token of the last one.
"""
from functools import partial
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.attention import MultiheadAttention
from ..utils.base_module import BaseModule, ModuleList
from ..utils.embed import build_patch_embed, register_pos_embed_resizing, resize_pos_embed
from ..utils.ffn import FFN, init_linears_xavier
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.token_layers import build_layers, init_token_params, run_layers, tokens_to_map
from .base_backbone import BaseBackbone, leading_layers, normalize_out_indices, resolve_arch

# embed_dims, num_layers, num_heads, feedforward_channels
arch_settings = {
    **dict.fromkeys(['s', 'small'], dict(embed_dims=768, num_layers=8, num_heads=8,
                                         feedforward_channels=768 * 3)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=768, num_layers=12, num_heads=12,
                                        feedforward_channels=3072)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=1024, num_layers=24, num_heads=16,
                                         feedforward_channels=4096)),
    **dict.fromkeys(['h', 'huge'], dict(embed_dims=1280, num_layers=32, num_heads=16,
                                        feedforward_channels=5120)),
    **dict.fromkeys(['eva-g', 'eva-giant'], dict(embed_dims=1408, num_layers=40, num_heads=16,
                                                 feedforward_channels=6144)),
    **dict.fromkeys(['deit-t', 'deit-tiny'], dict(embed_dims=192, num_layers=12, num_heads=3,
                                                  feedforward_channels=192 * 4)),
    **dict.fromkeys(['deit-s', 'deit-small'], dict(embed_dims=384, num_layers=12, num_heads=6,
                                                   feedforward_channels=384 * 4)),
    **dict.fromkeys(['deit-b', 'deit-base'], dict(embed_dims=768, num_layers=12, num_heads=12,
                                                  feedforward_channels=768 * 4)),
}


class TransformerEncoderLayer(BaseModule):
    """Pre-norm transformer layer: ``x + attn(ln1(x))`` then ``x + ffn(ln2(x))``.

    ``layer_scale_init_value > 0`` adds LayerScale (``attn.gamma1``, ``ffn.gamma2``) on both
    residual branches (DeiT III).
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 num_fcs: int = 2,
                 qkv_bias: bool = True,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None,
                 layer_scale_init_value: float = 0.) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = MultiheadAttention(
            embed_dims=embed_dims, num_heads=num_heads, attn_drop=attn_drop_rate,
            proj_drop=drop_rate, dropout_layer=drop_path, qkv_bias=qkv_bias,
            layer_scale_init_value=layer_scale_init_value)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims=embed_dims, feedforward_channels=feedforward_channels,
                       num_fcs=num_fcs, ffn_drop=drop_rate, dropout_layer=drop_path,
                       act_cfg=act_cfg, layer_scale_init_value=layer_scale_init_value)

    def init_weights(self) -> None:
        super().init_weights()
        init_linears_xavier(self.ffn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return self.ffn(self.ln2(x), identity=x)


@MODELS.register_module()
class VisionTransformer(BaseBackbone):
    """Vision Transformer backbone.

    Args:
        arch: a name of ``arch_settings`` or a dict with embed_dims, num_layers, num_heads,
            feedforward_channels.
        img_size / patch_size: the training resolution and patch size; other input sizes work by
            interpolating the position embedding at run time.
        out_indices: layers whose output is returned (negative counts from the end).
        final_norm: apply ``ln1`` after the last layer.
        with_cls_token / output_cls_token: keep the class token; output ``[patch, cls]`` pairs.
        avg_token: output the normalised (``ln2``) mean of the patch tokens instead of a map.
        pre_norm: LayerNorm before the layers and no patch-projection bias (CLIP).
        frozen_stages: freeze the embeddings and the first N layers.
    """
    num_extra_tokens = 1  # the class token
    arch_zoo = arch_settings
    # whether ``pos_embed`` has entries for the extra tokens (DeiT III adds them after it)
    pos_embed_covers_extra_tokens = True

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
                 interpolate_mode: str = 'bicubic',
                 pre_norm: bool = False,
                 patch_cfg: dict = dict(),
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self._init_arch(arch, img_size, with_cls_token, output_cls_token)
        self.patch_embed = build_patch_embed(in_channels, img_size, self.embed_dims, patch_size,
                                             patch_cfg, bias=not pre_norm)
        self._init_tokens(drop_rate, interpolate_mode, use_pos_embed=True)
        self.out_indices = normalize_out_indices(out_indices, self.num_layers, type(self).__name__)
        self.layers = self._build_layers(TransformerEncoderLayer, drop_path_rate, layer_cfgs,
                                         drop_rate=drop_rate, qkv_bias=qkv_bias,
                                         norm_cfg=norm_cfg)
        self._init_norms(norm_cfg, pre_norm, final_norm, avg_token, frozen_stages)

    def _init_arch(self, arch: Union[str, dict], img_size: Union[int, Sequence[int]],
                   with_cls_token: bool, output_cls_token: bool) -> None:
        """Resolve ``arch`` and check the class-token options."""
        self.arch_settings = resolve_arch(arch, self.arch_zoo, type(self).__name__)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.img_size = to_2tuple(img_size)
        if output_cls_token and not with_cls_token:
            raise ValueError('output_cls_token=True needs with_cls_token=True')
        self.with_cls_token = with_cls_token
        self.output_cls_token = output_cls_token

    def _init_tokens(self, drop_rate: float, interpolate_mode: str, use_pos_embed: bool) -> None:
        """The class (and subclass extra) tokens, the learned ``pos_embed`` over the patch grid of
        ``patch_embed`` (resized when a checkpoint's grid differs; None without
        ``use_pos_embed``) and ``drop_after_pos``."""
        self.patch_resolution = self.patch_embed.init_out_size
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.interpolate_mode = interpolate_mode
        if use_pos_embed:
            self.pos_embed = nn.Parameter(
                torch.zeros(1, num_patches + self._pos_extra_tokens, self.embed_dims))
            register_pos_embed_resizing(self, 'pos_embed', self._pos_extra_tokens)
        else:
            self.pos_embed = None
        self._add_extra_tokens()
        self.drop_after_pos = nn.Dropout(p=drop_rate)

    def _build_layers(self, layer_type: type, drop_path_rate: float,
                      layer_cfgs: Union[dict, Sequence[dict]], **layer_args) -> ModuleList:
        """The encoder layers, sized by the arch (see :func:`build_layers`)."""
        return build_layers(layer_type, self.num_layers, drop_path_rate, layer_cfgs,
                            embed_dims=self.embed_dims, num_heads=self.arch_settings['num_heads'],
                            feedforward_channels=self.arch_settings['feedforward_channels'],
                            **layer_args)

    def _init_norms(self, norm_cfg: dict, pre_norm: bool, final_norm: bool, avg_token: bool,
                    frozen_stages: int) -> None:
        """``pre_norm`` (before the layers), ``ln1`` (after the last layer), ``ln2`` (of the
        averaged patch tokens), then apply ``frozen_stages``."""
        self.pre_norm = build_norm_layer(norm_cfg, self.embed_dims)[1] if pre_norm else nn.Identity()
        self.final_norm = final_norm
        if final_norm:
            self.ln1 = build_norm_layer(norm_cfg, self.embed_dims)[1]
        self.avg_token = avg_token
        if avg_token:
            self.ln2 = build_norm_layer(norm_cfg, self.embed_dims)[1]
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    @property
    def _pos_extra_tokens(self) -> int:
        """Entries of ``pos_embed`` before the patch grid."""
        return self.num_extra_tokens if self.pos_embed_covers_extra_tokens else 0

    @staticmethod
    def resize_pos_embed(*args, **kwargs) -> torch.Tensor:
        """:func:`mmcls.models.utils.resize_pos_embed` (``pos_embed, src_shape, dst_shape, mode,
        num_extra_tokens``), reachable from the class as well."""
        return resize_pos_embed(*args, **kwargs)

    def _add_extra_tokens(self) -> None:
        """Hook for subclasses that add tokens next to the class token (DeiT's distillation token)."""

    def _token_params(self) -> List[nn.Parameter]:
        """The learned tokens put before the patch tokens, in order."""
        return [self.cls_token]

    def _extra_tokens(self, batch: int) -> List[torch.Tensor]:
        return [token.expand(batch, -1, -1) for token in self._token_params()]

    def init_weights(self) -> None:
        super().init_weights()
        init_token_params(self, self.pos_embed)

    def _frozen_modules(self) -> List[nn.Module]:
        # unlike the CNNs, frozen_stages=0 freezes nothing (not even the embeddings)
        if self.frozen_stages <= 0:
            return []
        return [self.drop_after_pos, self.patch_embed, self.pre_norm,
                *leading_layers(self.layers, self.frozen_stages,
                                self.ln1 if self.final_norm else None)]

    def _frozen_params(self) -> List[nn.Parameter]:
        if self.frozen_stages <= 0:
            return []
        pos_embed = [self.pos_embed] if self.pos_embed is not None else []
        return pos_embed + self._token_params()

    def forward(self, x: torch.Tensor) -> tuple:
        x, patch_resolution = self._embed(x)
        return self._forward_layers(x, patch_resolution)

    def _embed(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Image -> the tokens entering the first layer (patch and extra tokens with their
        position embedding), and the patch grid."""
        batch = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        tokens = self._extra_tokens(batch)
        if self.pos_embed is None:
            x = torch.cat(tokens + [x], dim=1)
        else:
            pos_embed = resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                         mode=self.interpolate_mode,
                                         num_extra_tokens=self._pos_extra_tokens)
            if self.pos_embed_covers_extra_tokens:
                x = torch.cat(tokens + [x], dim=1) + pos_embed
            else:
                x = torch.cat(tokens + [x + pos_embed], dim=1)
        x = self.drop_after_pos(x)
        if not self.with_cls_token:
            x = x[:, self.num_extra_tokens:]
        return self.pre_norm(x), patch_resolution

    def _forward_layers(self, x: torch.Tensor, patch_resolution: Tuple[int, int],
                        *layer_args) -> tuple:
        """Run the layers (with ``layer_args``) and format the outputs of ``out_indices``."""
        _, outs = run_layers(self.layers, x, self.out_indices,
                             self.ln1 if self.final_norm else None,
                             partial(self._format_output, patch_resolution=patch_resolution),
                             *layer_args)
        return tuple(outs)

    def _format_output(self, x: torch.Tensor, patch_resolution) -> Union[torch.Tensor, list]:
        extra = self.num_extra_tokens if self.with_cls_token else 0
        patch_token = tokens_to_map(x, patch_resolution, extra)
        if self.avg_token:
            patch_token = self.ln2(patch_token.flatten(2).mean(dim=2))
        if not self.output_cls_token:
            return patch_token
        return [patch_token] + [x[:, i] for i in range(self.num_extra_tokens)]


__all__ = ['VisionTransformer', 'TransformerEncoderLayer']
