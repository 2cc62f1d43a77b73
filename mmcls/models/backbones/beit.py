"""BEiT (Bao et al. 2022) backbone, also used by BEiT v2 and EVA.

A ViT whose attention adds a relative position bias over the patch grid (with three extra
entries for the class token), with LayerScale (``gamma_1``/``gamma_2``) on both residual branches
and a learned ``q_bias``/``v_bias`` instead of a full qkv bias. EVA uses the same class with an
absolute position embedding and no relative bias or layer scale.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule
from ..utils.drop import build_dropout
from ..utils.embed import build_patch_embed
from ..utils.ffn import FFN
from ..utils.norm import build_norm_layer
from ..utils.window_attention import relative_position_index, resize_relative_position_bias_table
from .base_backbone import BaseBackbone, normalize_out_indices
from .vision_transformer import VisionTransformer


def beit_relative_position_index(window_size: Tuple[int, int]) -> torch.Tensor:
    """(Wh*Ww+1)^2 index into a table of (2Wh-1)(2Ww-1) patch-pair entries plus three class-token
    entries (class->patch, patch->class, class->class), in this order."""
    height, width = window_size
    num_distance = (2 * height - 1) * (2 * width - 1) + 3
    index = torch.zeros((height * width + 1, ) * 2, dtype=torch.long)
    index[1:, 1:] = relative_position_index(window_size)
    index[0, 0:] = num_distance - 3
    index[0:, 0] = num_distance - 2
    index[0, 0] = num_distance - 1
    return index


def _resize_beit_table(table: torch.Tensor, dst_window: Tuple[int, int]) -> torch.Tensor:
    """Resize a BEiT bias table (square patch-pair grid + 3 class entries) to ``dst_window``."""
    grid, extra = table[:-3], table[-3:]
    src_side = int(grid.shape[0]**0.5)
    if src_side * src_side != grid.shape[0] or dst_window[0] != dst_window[1]:
        raise ValueError(f'cannot resize a relative position bias table of shape '
                         f'{tuple(table.shape)} to window {dst_window}: only square grids resize')
    grid = resize_relative_position_bias_table(src_side, 2 * dst_window[0] - 1, grid,
                                               table.shape[1])
    return torch.cat((grid, extra), dim=0)


class RelativePositionBias(BaseModule):
    """A relative position bias shared by all layers (``use_shared_rel_pos_bias``): returns the
    (num_heads, N+1, N+1) bias of a ``window_size`` patch grid with a class token, or the
    (num_heads, N, N) bias of the patches alone when ``with_cls_token`` is False (the table then
    has no class-token entries)."""

    def __init__(self, window_size: Sequence[int], num_heads: int,
                 with_cls_token: bool = True) -> None:
        super().__init__()
        self.window_size = tuple(window_size)
        self.with_cls_token = with_cls_token
        num_distance = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        if with_cls_token:
            num_distance += 3
            index = beit_relative_position_index(self.window_size)
        else:
            index = relative_position_index(self.window_size)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(num_distance, num_heads))
        self.register_buffer('relative_position_index', index)

    def forward(self) -> torch.Tensor:
        tokens = self.window_size[0] * self.window_size[1] + int(self.with_cls_token)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(tokens, tokens, -1).permute(2, 0, 1).contiguous()


class BEiTAttention(BaseModule):
    """Multi-head self-attention with an optional per-layer relative position bias.

    Args:
        embed_dims / num_heads: width and number of heads.
        window_size: the patch grid (height, width); needed when ``use_rel_pos_bias``.
        use_rel_pos_bias: learn ``relative_position_bias_table`` in this layer.
        bias: ``'qv_bias'`` (learned q and v biases, no k bias), True (a full qkv bias) or False.
        qk_scale: override of ``head_dims ** -0.5``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 window_size: Optional[Sequence[int]],
                 use_rel_pos_bias: bool,
                 bias: Union[str, bool] = 'qv_bias',
                 qk_scale: Optional[float] = None,
                 attn_drop_rate: float = 0.,
                 proj_drop_rate: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if bias not in ('qv_bias', True, False):
            raise ValueError(f"BEiTAttention bias must be 'qv_bias', True or False, got {bias!r}")
        if use_rel_pos_bias and window_size is None:
            raise ValueError('BEiTAttention: use_rel_pos_bias needs a window_size')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.scale = qk_scale or (embed_dims // num_heads)**-0.5
        self.bias = bias
        if bias == 'qv_bias':
            self.q_bias = nn.Parameter(torch.zeros(embed_dims))
            self.v_bias = nn.Parameter(torch.zeros(embed_dims))
        self.window_size = tuple(window_size) if window_size is not None else None
        self.use_rel_pos_bias = use_rel_pos_bias
        if use_rel_pos_bias:
            height, width = self.window_size
            num_distance = (2 * height - 1) * (2 * width - 1) + 3
            self.relative_position_bias_table = nn.Parameter(torch.zeros(num_distance, num_heads))
            self.register_buffer('relative_position_index',
                                 beit_relative_position_index(self.window_size))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=bias is True)
        self.attn_drop = attn_drop_rate
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop_rate)

    def forward(self, x: torch.Tensor,
                rel_pos_bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        batch, tokens, _ = x.shape
        if self.bias == 'qv_bias':
            qkv_bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))
            qkv = F.linear(x, self.qkv.weight, qkv_bias)
        else:
            qkv = self.qkv(x)
        q, k, v = qkv.reshape(batch, tokens, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        attn_bias = rel_pos_bias.unsqueeze(0) if rel_pos_bias is not None else None
        if self.use_rel_pos_bias:
            size = self.window_size[0] * self.window_size[1] + 1
            if tokens != size:
                raise ValueError(f'BEiTAttention: {tokens} tokens do not match the relative '
                                 f'position bias of a {self.window_size} grid + class token')
            bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
            bias = bias.view(size, size, -1).permute(2, 0, 1).unsqueeze(0)
            attn_bias = bias if attn_bias is None else attn_bias + bias
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_bias.to(q.dtype) if attn_bias is not None else None,
            dropout_p=drop, scale=self.scale)
        out = out.transpose(1, 2).reshape(batch, tokens, self.embed_dims)
        return self.proj_drop(self.proj(out))


class BEiTTransformerEncoderLayer(BaseModule):
    """``x + drop_path(gamma_1 * attn(ln1(x)))`` then ``x + drop_path(gamma_2 * ffn(ln2(x)))``;
    the gammas exist only when ``layer_scale_init_value > 0``.

    The FFN branch's stochastic depth is the FFN's own ``dropout_layer`` (a per-sample scale,
    so it commutes with ``gamma_2``); ``drop_path`` serves the attention branch. Each branch is
    dropped once.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 layer_scale_init_value: float,
                 window_size: Optional[Sequence[int]],
                 use_rel_pos_bias: bool,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 num_fcs: int = 2,
                 bias: Union[str, bool] = 'qv_bias',
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 attn_cfg: dict = dict(),
                 ffn_cfg: dict = dict(add_identity=False),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if layer_scale_init_value > 0:
            self.gamma_1 = nn.Parameter(layer_scale_init_value * torch.ones(embed_dims))
            self.gamma_2 = nn.Parameter(layer_scale_init_value * torch.ones(embed_dims))
        else:
            self.gamma_1 = self.gamma_2 = None
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]
        attn = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                    use_rel_pos_bias=use_rel_pos_bias, bias=bias, attn_drop_rate=attn_drop_rate,
                    proj_drop_rate=drop_rate)
        attn.update(attn_cfg)
        self.attn = BEiTAttention(**attn)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        ffn = dict(embed_dims=embed_dims, feedforward_channels=feedforward_channels,
                   num_fcs=num_fcs, ffn_drop=drop_rate, act_cfg=act_cfg, add_identity=False,
                   dropout_layer=dict(type='DropPath', drop_prob=drop_path_rate))
        ffn.update(ffn_cfg)
        self.ffn = FFN(**ffn)
        self.drop_path = build_dropout(dict(type='DropPath', drop_prob=drop_path_rate))

    def forward(self, x: torch.Tensor, rel_pos_bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        attn = self.attn(self.ln1(x), rel_pos_bias=rel_pos_bias)
        if self.gamma_1 is not None:
            attn = self.gamma_1 * attn
        x = x + self.drop_path(attn)
        ffn = self.ffn(self.ln2(x))  # already through the FFN's DropPath
        if self.gamma_2 is not None:
            ffn = self.gamma_2 * ffn
        return x + ffn


@MODELS.register_module()
class BEiT(VisionTransformer):
    """BEiT / BEiT v2 / EVA backbone; outputs as :class:`VisionTransformer` (by default the
    ``ln2``-normalised mean of the patch tokens).

    Args:
        arch: a :class:`VisionTransformer` arch name ('base', 'large', 'eva-g', ...) or a dict.
        use_abs_pos_emb: learn an absolute position embedding (EVA), interpolated for other
            input sizes.
        use_rel_pos_bias: a relative position bias in every layer (BEiT fine-tuning).
        use_shared_rel_pos_bias: one relative position bias shared by all layers (``rel_pos_bias``).
        layer_scale_init_value: > 0 adds LayerScale ``gamma_1``/``gamma_2`` to every layer.
        avg_token / output_cls_token / final_norm / with_cls_token: as VisionTransformer.
        layer_cfgs: per-layer overrides, e.g. ``dict(bias=True)`` for a full qkv bias.
    """
    num_extra_tokens = 1

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 final_norm: bool = False,
                 with_cls_token: bool = True,
                 avg_token: bool = True,
                 frozen_stages: int = -1,
                 output_cls_token: bool = False,
                 use_abs_pos_emb: bool = False,
                 use_rel_pos_bias: bool = True,
                 use_shared_rel_pos_bias: bool = False,
                 interpolate_mode: str = 'bicubic',
                 layer_scale_init_value: float = 0.1,
                 patch_cfg: dict = dict(),
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 init_cfg=None) -> None:
        BaseBackbone.__init__(self, init_cfg)
        self._init_arch(arch, img_size, with_cls_token, output_cls_token)
        if use_rel_pos_bias and use_shared_rel_pos_bias:
            raise ValueError('use_rel_pos_bias and use_shared_rel_pos_bias cannot both be True')
        self.patch_embed = build_patch_embed(in_channels, img_size, self.embed_dims, patch_size,
                                             patch_cfg)
        self._init_tokens(drop_rate, interpolate_mode, use_pos_embed=use_abs_pos_emb)
        self.rel_pos_bias = (RelativePositionBias(self.patch_resolution,
                                                  self.arch_settings['num_heads'])
                             if use_shared_rel_pos_bias else None)
        self._register_load_state_dict_pre_hook(self._prepare_relative_position_bias_table)

        self.out_indices = normalize_out_indices(out_indices, self.num_layers, type(self).__name__)
        self.layers = self._build_layers(
            BEiTTransformerEncoderLayer, drop_path_rate, layer_cfgs,
            layer_scale_init_value=layer_scale_init_value, window_size=self.patch_resolution,
            use_rel_pos_bias=use_rel_pos_bias, drop_rate=drop_rate, norm_cfg=norm_cfg)
        self._init_norms(norm_cfg, pre_norm=False, final_norm=final_norm, avg_token=avg_token,
                         frozen_stages=frozen_stages)

    def _prepare_relative_position_bias_table(self, state_dict, prefix, *args, **kwargs) -> None:
        """Resample checkpoint bias tables of another patch grid; keep this model's indices."""
        own = self.state_dict()
        for key, value in own.items():
            if prefix + key not in state_dict:
                continue
            if key.endswith('relative_position_index'):
                state_dict[prefix + key] = value
            elif key.endswith('relative_position_bias_table') and \
                    state_dict[prefix + key].shape != value.shape:
                state_dict[prefix + key] = _resize_beit_table(state_dict[prefix + key],
                                                              self.patch_resolution)

    def forward(self, x: torch.Tensor) -> tuple:
        x, patch_resolution = self._embed(x)
        rel_pos_bias = self.rel_pos_bias() if self.rel_pos_bias is not None else None
        return self._forward_layers(x, patch_resolution, rel_pos_bias)


__all__ = ['BEiT', 'BEiTAttention', 'BEiTTransformerEncoderLayer', 'RelativePositionBias']
