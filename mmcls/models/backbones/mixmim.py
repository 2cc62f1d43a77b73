"""MixMIM transformer (Liu et al., 2022): the hierarchical window-attention encoder
of Mixed and Masked Image Modeling, used here as a classification backbone.

Swin-like stages of non-shifted window attention with relative position bias, patch merging
between stages and a fixed absolute position embedding. During MixMIM pre-training two images
are mixed token-wise; the ``attn_mask`` argument (1 for tokens of one image, 0 for the other)
keeps attention within each image.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS
from ..utils.base_module import BaseModule, ModuleList
from ..utils.drop import DropPath
from ..utils.embed import PatchMerging, build_patch_embed, resize_pos_embed
from ..utils.grad_checkpoint import checkpointed
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.window_attention import ShiftWindowMSA, WindowMSA
from .base_backbone import BaseBackbone
from .base_backbone import resolve_arch
from .vision_transformer import TransformerEncoderLayer

arch_settings = {
    **dict.fromkeys(['b', 'base'], dict(embed_dims=128, depths=[2, 2, 18, 2],
                                        num_heads=[4, 8, 16, 32])),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=192, depths=[2, 2, 18, 2],
                                         num_heads=[6, 12, 24, 48])),
    **dict.fromkeys(['h', 'huge'], dict(embed_dims=352, depths=[2, 2, 18, 2],
                                        num_heads=[11, 22, 44, 88])),
}


class MixMIMWindowAttention(WindowMSA):
    """Window attention whose optional ``mask`` (num_windows*B, N, 1) of 0/1 token groups
    forbids attention between tokens of different groups (the two mixed images).

    ``attn_drop_rate`` / ``proj_drop_rate``: dropout of the attention weights and of the output
    projection; ``qk_scale`` overrides the ``head_dim ** -0.5`` query scale.
    """

    def __init__(self,
                 embed_dims: int,
                 window_size: Union[int, Sequence[int]],
                 num_heads: int,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop_rate: float = 0.,
                 proj_drop_rate: float = 0.,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(embed_dims, window_size, num_heads, qkv_bias=qkv_bias,
                         qk_scale=qk_scale, attn_drop=attn_drop_rate, proj_drop=proj_drop_rate,
                         init_cfg=init_cfg)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        bias = self.relative_position_bias().unsqueeze(0)
        if mask is not None:
            mask = mask.reshape(B_, 1, 1, N).to(q.dtype)
            same = mask * mask.transpose(2, 3) + (1 - mask) * (1 - mask).transpose(2, 3)
            bias = bias - torch.finfo(q.dtype).max / 2 * (1 - same)
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), dropout_p=drop,
                                             scale=self.scale)
        return self.proj_drop(self.proj(out.transpose(1, 2).reshape(B_, N, C)))


class MixMIMBlock(TransformerEncoderLayer):
    """Pre-norm block with window attention (``ln1``/``attn``) and FFN (``ln2``/``ffn``).

    ``num_heads`` and ``mlp_ratio`` are kept as attributes; the window shrinks to the map when
    the map is not larger than it."""

    def __init__(self, embed_dims: int, input_resolution: Tuple[int, int], num_heads: int,
                 window_size: int = 7, mlp_ratio: float = 4., num_fcs: int = 2,
                 qkv_bias: bool = True, proj_drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0., act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(embed_dims, num_heads, int(mlp_ratio * embed_dims), proj_drop_rate,
                         attn_drop_rate, drop_path_rate, num_fcs, qkv_bias, act_cfg, norm_cfg,
                         init_cfg)
        self.input_resolution = input_resolution
        self.num_heads = num_heads
        self.mlp_ratio = mlp_ratio
        self.window_size = min(window_size, *input_resolution)
        self.attn = MixMIMWindowAttention(embed_dims, to_2tuple(self.window_size), num_heads,
                                          qkv_bias=qkv_bias, attn_drop_rate=attn_drop_rate,
                                          proj_drop_rate=proj_drop_rate)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0. else nn.Identity()

    @staticmethod
    def window_partition(x: torch.Tensor, window_size: int) -> torch.Tensor:
        """(B, H, W, C) -> (num_windows*B, window_size, window_size, C)."""
        return ShiftWindowMSA.window_partition(x, window_size)

    @staticmethod
    def window_reverse(windows: torch.Tensor, H: int, W: int, window_size: int) -> torch.Tensor:
        """(num_windows*B, window_size, window_size, C) -> (B, H, W, C)."""
        return ShiftWindowMSA.window_reverse(windows, H, W, window_size)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int],
                attn_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        H, W = hw_shape
        B, L, C = x.shape
        ws = self.window_size
        if L != H * W or H % ws or W % ws:
            raise ValueError(f'MixMIMBlock: a {H}x{W} map ({L} tokens) does not split into '
                             f'{ws}x{ws} windows')
        windows = self.window_partition(self.ln1(x).view(B, H, W, C), ws)
        if attn_mask is not None:
            attn_mask = attn_mask.expand(B, -1, -1).reshape(B, H, W, 1)
            attn_mask = self.window_partition(attn_mask, ws).view(-1, ws * ws, 1)
        out = self.attn(windows.view(-1, ws * ws, C), mask=attn_mask)
        out = self.window_reverse(out.view(-1, ws, ws, C), H, W, ws)
        x = x + self.drop_path(out.reshape(B, L, C))
        return self.ffn(self.ln2(x), identity=x)


class MixMIMLayer(BaseModule):
    """A stage: ``depth`` MixMIM blocks, then an optional downsampling.

    ``downsample``: ``None`` or a module class (e.g. :class:`PatchMerging`) built as
    ``downsample(in_channels=embed_dims, out_channels=2 * embed_dims, norm_cfg=norm_cfg)`` and
    called as ``downsample(x, hw_shape)``.
    """

    def __init__(self, embed_dims: int, input_resolution: Tuple[int, int], depth: int,
                 num_heads: int, window_size: int, mlp_ratio: float = 4., qkv_bias: bool = True,
                 proj_drop_rate: float = 0., attn_drop_rate: float = 0.,
                 drop_path_rate: Sequence[float] = (0., ), norm_cfg: dict = dict(type='LN'),
                 downsample: Optional[type] = None, use_checkpoint: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        self.input_resolution = input_resolution
        self.depth = depth
        self.use_checkpoint = use_checkpoint
        self.blocks = ModuleList([
            MixMIMBlock(embed_dims, input_resolution, num_heads, window_size, mlp_ratio,
                        qkv_bias=qkv_bias, proj_drop_rate=proj_drop_rate,
                        attn_drop_rate=attn_drop_rate, drop_path_rate=drop_path_rate[i],
                        norm_cfg=norm_cfg) for i in range(depth)
        ])
        self.downsample = (downsample(in_channels=embed_dims, out_channels=2 * embed_dims,
                                      norm_cfg=norm_cfg) if downsample is not None else None)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int],
                attn_mask: Optional[torch.Tensor] = None):
        for block in self.blocks:
            x = checkpointed(block, x, hw_shape, attn_mask, with_cp=self.use_checkpoint)
        if self.downsample is not None:
            return self.downsample(x, hw_shape)
        return x, hw_shape

    def extra_repr(self) -> str:
        return (f'dim={self.embed_dims}, input_resolution={self.input_resolution}, '
                f'depth={self.depth}')


@MODELS.register_module()
class MixMIMTransformer(BaseBackbone):
    """MixMIM encoder backbone; returns the normalised, token-averaged last stage (B, C).

    Args:
        arch: 'base', 'large', 'huge' (or initials), or a dict with ``embed_dims``,
            ``depths``, ``num_heads``.
        mlp_ratio: FFN hidden width ratio.
        img_size / patch_size / in_channels / patch_cfg: the patch embedding; the window sizes
            and position embedding are laid out for ``img_size`` (the embedding is interpolated
            for other sizes whose maps still split into the windows).
        window_size: window side of each stage (clipped to the stage's map).
        qkv_bias / norm_cfg: attention bias and norm layers.
        drop_rate / drop_path_rate / attn_drop_rate: regularisation.
        use_checkpoint: gradient checkpointing of the blocks.

    ``arch_zoo`` maps the arch names and initials to their dicts; the resolved dict is
    ``self.arch_settings``.
    """
    arch_zoo = arch_settings
    num_extra_tokens = 0

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 mlp_ratio: float = 4,
                 img_size: int = 224,
                 patch_size: int = 4,
                 in_channels: int = 3,
                 window_size: Sequence[int] = (14, 14, 14, 7),
                 qkv_bias: bool = True,
                 patch_cfg: dict = dict(),
                 norm_cfg: dict = dict(type='LN'),
                 drop_rate: float = 0.0,
                 drop_path_rate: float = 0.0,
                 attn_drop_rate: float = 0.0,
                 use_checkpoint: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'MixMIMTransformer')
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths = list(self.arch_settings['depths'])
        num_heads = self.arch_settings['num_heads']
        self.num_layers = len(self.depths)
        if len(window_size) != self.num_layers:
            raise ValueError(f'MixMIMTransformer: window_size needs {self.num_layers} values, '
                             f'got {window_size!r}')
        self.encoder_stride = 32

        self.patch_embed = build_patch_embed(in_channels, img_size, self.embed_dims, patch_size,
                                             patch_cfg, norm_cfg=dict(type='LN'))
        self.patch_resolution = self.patch_embed.init_out_size

        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.layers = ModuleList()
        for i in range(self.num_layers):
            start = sum(self.depths[:i])
            self.layers.append(MixMIMLayer(
                int(self.embed_dims * 2**i),
                (self.patch_resolution[0] // 2**i, self.patch_resolution[1] // 2**i),
                self.depths[i], num_heads[i], window_size[i], mlp_ratio, qkv_bias, drop_rate,
                attn_drop_rate, dpr[start:start + self.depths[i]], norm_cfg,
                downsample=PatchMerging if i < self.num_layers - 1 else None,
                use_checkpoint=use_checkpoint))
        self.num_features = int(self.embed_dims * 2**(self.num_layers - 1))
        self.drop_after_pos = nn.Dropout(p=drop_rate)
        self.num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.absolute_pos_embed = nn.Parameter(
            torch.zeros(1, self.num_patches, self.embed_dims), requires_grad=False)
        self.norm = build_norm_layer(norm_cfg, self.num_features)[1]

    def forward(self, x: torch.Tensor) -> tuple:
        x, hw_shape = self.patch_embed(x)
        x = x + resize_pos_embed(self.absolute_pos_embed, self.patch_resolution, hw_shape,
                                 'bicubic', self.num_extra_tokens)
        x = self.drop_after_pos(x)
        for layer in self.layers:
            x, hw_shape = layer(x, hw_shape)
        return (self.norm(x).mean(dim=1), )


__all__ = ['MixMIMTransformer']
