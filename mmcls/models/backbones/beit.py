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

from ..utils.base_module import BaseModule, ModuleList
from ..utils.drop import build_dropout
from ..utils.embed import PatchEmbed, resize_pos_embed
from ..utils.ffn import FFN
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.window_attention import relative_position_index, resize_relative_position_bias_table
from .base_backbone import BaseBackbone, freeze_module, normalize_out_indices
from .vision_transformer import VisionTransformer, resolve_arch


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
    (num_heads, N+1, N+1) bias of a ``window_size`` patch grid with a class token."""

    def __init__(self, window_size: Sequence[int], num_heads: int) -> None:
        super().__init__()
        self.window_size = tuple(window_size)
        num_distance = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1) + 3
        self.relative_position_bias_table = nn.Parameter(torch.zeros(num_distance, num_heads))
        self.register_buffer('relative_position_index',
                             beit_relative_position_index(self.window_size))

    def forward(self) -> torch.Tensor:
        tokens = self.window_size[0] * self.window_size[1] + 1
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
    the gammas exist only when ``layer_scale_init_value > 0``."""

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
                 ffn_cfg: dict = dict(),
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
                   num_fcs=num_fcs, ffn_drop=drop_rate, act_cfg=act_cfg, add_identity=False)
        ffn.update(ffn_cfg)
        self.ffn = FFN(**ffn)
        self.drop_path = build_dropout(dict(type='DropPath', drop_prob=drop_path_rate))

    def forward(self, x: torch.Tensor, rel_pos_bias: Optional[torch.Tensor] = None) -> torch.Tensor:
        attn = self.attn(self.ln1(x), rel_pos_bias=rel_pos_bias)
        if self.gamma_1 is not None:
            attn = self.gamma_1 * attn
        x = x + self.drop_path(attn)
        ffn = self.ffn(self.ln2(x))
        if self.gamma_2 is not None:
            ffn = self.gamma_2 * ffn
        return x + self.drop_path(ffn)


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
        owner = type(self).__name__
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.img_size = to_2tuple(img_size)
        if output_cls_token and not with_cls_token:
            raise ValueError('output_cls_token=True needs with_cls_token=True')
        if use_rel_pos_bias and use_shared_rel_pos_bias:
            raise ValueError('use_rel_pos_bias and use_shared_rel_pos_bias cannot both be True')

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
        if use_abs_pos_emb:
            self.pos_embed = nn.Parameter(
                torch.zeros(1, num_patches + self.num_extra_tokens, self.embed_dims))
            self._register_load_state_dict_pre_hook(self._prepare_pos_embed)
        else:
            self.pos_embed = None
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        self.rel_pos_bias = (RelativePositionBias(self.patch_resolution,
                                                  self.arch_settings['num_heads'])
                             if use_shared_rel_pos_bias else None)
        self._register_load_state_dict_pre_hook(self._prepare_relative_position_bias_table)

        self.out_indices = normalize_out_indices(out_indices, self.num_layers, owner)
        dpr = torch.linspace(0, drop_path_rate, self.num_layers).tolist()
        if isinstance(layer_cfgs, dict):
            layer_cfgs = [layer_cfgs] * self.num_layers
        self.layers = ModuleList()
        for i in range(self.num_layers):
            cfg = dict(embed_dims=self.embed_dims, num_heads=self.arch_settings['num_heads'],
                       feedforward_channels=self.arch_settings['feedforward_channels'],
                       layer_scale_init_value=layer_scale_init_value,
                       window_size=self.patch_resolution, use_rel_pos_bias=use_rel_pos_bias,
                       drop_rate=drop_rate, drop_path_rate=dpr[i], norm_cfg=norm_cfg)
            cfg.update(layer_cfgs[i])
            self.layers.append(BEiTTransformerEncoderLayer(**cfg))

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

    def init_weights(self) -> None:
        if self.pos_embed is not None:
            super().init_weights()  # also draws the absolute position embedding
        else:
            BaseBackbone.init_weights(self)

    def _freeze_stages(self) -> None:
        if self.pos_embed is not None:
            self.pos_embed.requires_grad = False
        self.cls_token.requires_grad = False
        self.drop_after_pos.eval()
        for module in [self.patch_embed] + list(self.layers[:self.frozen_stages]):
            freeze_module(module)
        if self.frozen_stages >= self.num_layers and self.final_norm:
            freeze_module(self.ln1)

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
        batch = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        x = torch.cat(self._extra_tokens(batch) + [x], dim=1)
        if self.pos_embed is not None:
            x = x + resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                     mode=self.interpolate_mode,
                                     num_extra_tokens=self.num_extra_tokens)
        x = self.drop_after_pos(x)
        if not self.with_cls_token:
            x = x[:, self.num_extra_tokens:]
        rel_pos_bias = self.rel_pos_bias() if self.rel_pos_bias is not None else None

        outs = []
        for i, layer in enumerate(self.layers):
            x = layer(x, rel_pos_bias)
            if i == len(self.layers) - 1 and self.final_norm:
                x = self.ln1(x)
            if i in self.out_indices:
                outs.append(self._format_output(x, patch_resolution))
        return tuple(outs)


__all__ = ['BEiT', 'BEiTAttention', 'BEiTTransformerEncoderLayer', 'RelativePositionBias']
