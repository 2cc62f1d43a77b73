"""Tokens-to-Token ViT (Yuan et al. 2021): a ViT whose tokens come from progressive soft splits.

The T2T module unfolds the image into overlapping 7x7 patches (stride 4), then twice restructures
tokens with a small transformer layer, folds them back into a map and unfolds again (3x3,
stride 2), so 224x224 inputs give 14x14 tokens.  Position embeddings are a fixed sinusoid table.
"""
from functools import partial
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.attention import MultiheadAttention
from ..utils.base_module import BaseModule
from ..utils.embed import register_pos_embed_resizing, resize_pos_embed
from ..utils.ffn import FFN
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.token_layers import build_layers, init_token_params, run_layers, tokens_to_map
from .base_backbone import BaseBackbone, leading_layers, normalize_out_indices
from .base_backbone import resolve_arch

arch_settings = {
    **dict.fromkeys(['t-14', 't2t-vit-t-14'], dict(embed_dims=384, num_layers=14, num_heads=6,
                                                   feedforward_channels=384 * 3)),
    **dict.fromkeys(['t-19', 't2t-vit-t-19'], dict(embed_dims=448, num_layers=19, num_heads=7,
                                                   feedforward_channels=448 * 3)),
    **dict.fromkeys(['t-24', 't2t-vit-t-24'], dict(embed_dims=512, num_layers=24, num_heads=8,
                                                   feedforward_channels=512 * 3)),
}


class T2TTransformerLayer(BaseModule):
    """Pre-norm transformer layer whose input width may differ from ``embed_dims``.

    With ``input_dims`` set, the attention output replaces the input (plus a shortcut from the
    values) and, as in the official code, the attention scale is ``(input_dims // heads)**-0.5``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 input_dims: Optional[int] = None,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 num_fcs: int = 2,
                 qkv_bias: bool = False,
                 qk_scale: Optional[float] = None,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.v_shortcut = input_dims is not None
        input_dims = input_dims or embed_dims
        self.ln1 = build_norm_layer(norm_cfg, input_dims)[1]
        self.attn = MultiheadAttention(
            embed_dims=embed_dims, num_heads=num_heads, input_dims=input_dims,
            attn_drop=attn_drop_rate, proj_drop=drop_rate,
            dropout_layer=dict(type='DropPath', drop_prob=drop_path_rate), qkv_bias=qkv_bias,
            qk_scale=qk_scale or (input_dims // num_heads)**-0.5, v_shortcut=self.v_shortcut)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims=embed_dims, feedforward_channels=feedforward_channels,
                       num_fcs=num_fcs, ffn_drop=drop_rate,
                       dropout_layer=dict(type='DropPath', drop_prob=drop_path_rate),
                       act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attn = self.attn(self.ln1(x))
        x = attn if self.v_shortcut else x + attn
        return self.ffn(self.ln2(x), identity=x)


def _unfold_size(unfold: nn.Unfold, size: Tuple[int, int]) -> Tuple[int, int]:
    kernel, stride = to_2tuple(unfold.kernel_size), to_2tuple(unfold.stride)
    padding, dilation = to_2tuple(unfold.padding), to_2tuple(unfold.dilation)
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))


class T2TModule(BaseModule):
    """Soft split (7x7/4) -> [T2T layer -> fold -> soft split (3x3/2)] x 2 -> linear projection.

    ``forward`` returns ``(tokens (B, N, embed_dims), (H, W))``. ``use_performer`` must be False:
    the T2T layers are regular self-attention (the Performer variant is not provided).
    """

    def __init__(self, img_size: int = 224, in_channels: int = 3, embed_dims: int = 384,
                 token_dims: int = 64, use_performer: bool = False, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if use_performer:
            raise ValueError('T2TModule: use_performer=True (Performer attention) is not '
                             'supported; only the regular T2T attention (False) is')
        self.embed_dims = embed_dims
        self.soft_split0 = nn.Unfold(kernel_size=(7, 7), stride=(4, 4), padding=(2, 2))
        self.soft_split1 = nn.Unfold(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
        self.soft_split2 = nn.Unfold(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
        self.attention1 = T2TTransformerLayer(input_dims=in_channels * 7 * 7,
                                              embed_dims=token_dims, num_heads=1,
                                              feedforward_channels=token_dims)
        self.attention2 = T2TTransformerLayer(input_dims=token_dims * 3 * 3,
                                              embed_dims=token_dims, num_heads=1,
                                              feedforward_channels=token_dims)
        self.project = nn.Linear(token_dims * 3 * 3, embed_dims)
        out_side = to_2tuple(img_size)
        self.init_out_size = [out_side[0] // 16, out_side[1] // 16]
        self.num_patches = self.init_out_size[0] * self.init_out_size[1]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        hw = _unfold_size(self.soft_split0, x.shape[2:])
        x = self.soft_split0(x).transpose(1, 2)
        for step in (1, 2):
            x = getattr(self, f'attention{step}')(x).transpose(1, 2)
            x = x.reshape(x.shape[0], x.shape[1], *hw)
            split = getattr(self, f'soft_split{step}')
            hw = _unfold_size(split, hw)
            x = split(x).transpose(1, 2)
        return self.project(x), hw


def get_sinusoid_encoding(n_position: int, embed_dims: int) -> torch.Tensor:
    """The (1, n_position, embed_dims) sine/cosine table of "Attention Is All You Need"."""
    position = torch.arange(n_position, dtype=torch.float64)[:, None]
    dims = torch.arange(embed_dims, dtype=torch.float64)
    angle = position / torch.pow(10000.0, 2 * torch.div(dims, 2, rounding_mode='floor') /
                                 embed_dims)
    table = torch.empty_like(angle)
    table[:, 0::2] = torch.sin(angle[:, 0::2])
    table[:, 1::2] = torch.cos(angle[:, 1::2])
    return table.float().unsqueeze(0)


@MODELS.register_module()
class T2T_ViT(BaseBackbone):
    """Tokens-to-Token Vision Transformer.

    Args:
        arch: ``'t-14'``, ``'t-19'``, ``'t-24'`` or a dict with embed_dims, num_layers,
            num_heads, feedforward_channels.
        embed_dims / num_layers: a value other than the default (384 / 14, the 't-14'
            entry) overrides the arch entry (the keyword form of MMClassification's configs,
            which set heads/FFN width through ``layer_cfgs``).
        img_size: the training resolution (other sizes interpolate the position table).
        out_indices: layers whose output is returned: ``[patch map (B, C, H, W), class token]``
            pairs, or the patch map alone with ``output_cls_token=False``.
        final_norm: LayerNorm after the last layer.
        frozen_stages: freeze the T2T module, the class token and the first N layers.
        t2t_cfg / layer_cfgs: extra arguments of the T2T module / each encoder layer.
    """
    num_extra_tokens = 1  # the class token
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 't-14',
                 img_size: int = 224,
                 in_channels: int = 3,
                 embed_dims: int = 384,
                 num_layers: int = 14,
                 out_indices: Union[int, Sequence[int]] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN'),
                 final_norm: bool = True,
                 with_cls_token: bool = True,
                 output_cls_token: bool = True,
                 interpolate_mode: str = 'bicubic',
                 frozen_stages: int = -1,
                 t2t_cfg: dict = dict(),
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        settings = resolve_arch(arch, self.arch_zoo, 'T2T_ViT')
        if embed_dims != 384:  # the default, T2T-ViT-t-14's width
            settings.update(embed_dims=embed_dims, feedforward_channels=3 * embed_dims)
        if num_layers != 14:
            settings['num_layers'] = num_layers
        self.arch_settings = settings
        self.embed_dims = settings['embed_dims']
        self.num_layers = settings['num_layers']
        if output_cls_token and not with_cls_token:
            raise ValueError('T2T_ViT: output_cls_token=True needs with_cls_token=True')

        self.tokens_to_token = T2TModule(img_size=img_size, in_channels=in_channels,
                                         embed_dims=self.embed_dims, **t2t_cfg)
        self.patch_resolution = tuple(self.tokens_to_token.init_out_size)
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.with_cls_token = with_cls_token
        self.output_cls_token = output_cls_token
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.interpolate_mode = interpolate_mode
        self.register_buffer('pos_embed', get_sinusoid_encoding(
            num_patches + self.num_extra_tokens, self.embed_dims))
        register_pos_embed_resizing(self, 'pos_embed', self.num_extra_tokens)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        self.out_indices = normalize_out_indices(out_indices, self.num_layers, 'T2T_ViT')
        if not isinstance(layer_cfgs, dict) and len(layer_cfgs) != self.num_layers:
            raise ValueError(f'T2T_ViT: layer_cfgs needs {self.num_layers} entries, got '
                             f'{len(layer_cfgs)}')
        self.encoder = build_layers(T2TTransformerLayer, self.num_layers, drop_path_rate,
                                    layer_cfgs, embed_dims=self.embed_dims,
                                    num_heads=settings['num_heads'],
                                    feedforward_channels=settings['feedforward_channels'],
                                    qkv_bias=False, norm_cfg=norm_cfg)

        self.final_norm = final_norm
        self.norm = (build_norm_layer(norm_cfg, self.embed_dims)[1] if final_norm
                     else nn.Identity())
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        return [self.tokens_to_token, self.drop_after_pos,
                *leading_layers(self.encoder, self.frozen_stages, self.norm)]

    def _frozen_params(self) -> List[nn.Parameter]:
        return [self.cls_token] if self.frozen_stages >= 0 else []

    def init_weights(self) -> None:
        super().init_weights()
        init_token_params(self, self.cls_token)

    def forward(self, x: torch.Tensor) -> tuple:
        batch = x.shape[0]
        x, patch_resolution = self.tokens_to_token(x)
        x = torch.cat((self.cls_token.expand(batch, -1, -1), x), dim=1)
        x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                 mode=self.interpolate_mode,
                                 num_extra_tokens=self.num_extra_tokens)
        x = self.drop_after_pos(x)
        if not self.with_cls_token:
            x = x[:, 1:]

        _, outs = run_layers(self.encoder, x, self.out_indices,
                             self.norm if self.final_norm else None,
                             partial(self._format_output, patch_resolution=patch_resolution))
        return tuple(outs)

    def _format_output(self, x: torch.Tensor,
                       patch_resolution: Tuple[int, int]) -> Union[torch.Tensor, list]:
        """``[patch map (B, C, H, W), class token (B, C)]``, or the map alone."""
        patch_map = tokens_to_map(x, patch_resolution, 1 if self.with_cls_token else 0)
        return [patch_map, x[:, 0]] if self.output_cls_token else patch_map


__all__ = ['T2T_ViT']
