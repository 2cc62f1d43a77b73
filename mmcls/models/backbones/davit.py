"""DaViT: dual attention vision transformers (Ding et al., 2022).

Every block pairs a spatial block (window self-attention over tokens, no position bias) with a
channel block (attention over channel groups, whose "tokens" are channels and which therefore
sees the whole image). Both use depth-wise conv position encodings (``cpe1``/``cpe2``) before
their attention and FFN. Four stages, each followed by a LayerNorm + stride-2 conv downsample.
"""
from copy import deepcopy
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.base_module import BaseModule, ModuleList
from ..utils.conv import build_conv_layer
from ..utils.embed import PatchEmbed, _sampling_geometry
from ..utils.ffn import FFN
from ..utils.grad_checkpoint import checkpointed
from ..utils.norm import build_norm_layer
from ..utils.window_attention import ShiftWindowMSA
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch


def _arch(embed_dims: int, depths, num_heads) -> dict:
    return dict(embed_dims=embed_dims, depths=depths, num_heads=num_heads)


class DaViTWindowMSA(BaseModule):
    """Multi-head self-attention inside windows (num_windows*B, N, C), without the relative
    position bias of Swin (position comes from the conv encodings)."""

    def __init__(self, embed_dims: int, window_size, num_heads: int, qkv_bias: bool = True,
                 qk_scale: float = None, attn_drop: float = 0., proj_drop: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        self.window_size = window_size
        self.num_heads = num_heads
        self.scale = qk_scale or (embed_dims // num_heads)**-0.5
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, mask: torch.Tensor = None) -> torch.Tensor:
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask[None, :, None]
            attn = attn.view(-1, self.num_heads, N, N)
        attn = self.attn_drop(attn.softmax(dim=-1))
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj_drop(self.proj(x))

    @staticmethod
    def double_step_seq(step1: int, len1: int, step2: int, len2: int) -> torch.Tensor:
        """(1, len1*len2) offsets ``i*step1 + j*step2`` for i < len1, j < len2 (row-major)."""
        seq1 = torch.arange(0, step1 * len1, step1)
        seq2 = torch.arange(0, step2 * len2, step2)
        return (seq1[:, None] + seq2[None, :]).reshape(1, -1)


class ConvPosEnc(BaseModule):
    """``x + dwconv(x)`` on (B, H*W, C) tokens: a depth-wise conv position encoding."""

    def __init__(self, embed_dims: int, kernel_size: int = 3, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.proj = nn.Conv2d(embed_dims, embed_dims, kernel_size, padding=kernel_size // 2,
                              groups=embed_dims)

    def forward(self, x: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        B, N, C = x.shape
        if N != size[0] * size[1]:
            raise ValueError(f'ConvPosEnc got {N} tokens for a {size[0]}x{size[1]} map')
        feat = self.proj(x.transpose(1, 2).reshape(B, C, *size))
        return x + feat.flatten(2).transpose(1, 2)


class DaViTDownSample(BaseModule):
    """Optional norm on tokens (``norm_cfg``), then a ``conv_type`` conv on the map
    (``projection``). A string ``padding`` ('same' / 'corner') pads the map adaptively; a
    ``stride`` of None is the kernel size."""

    def __init__(self, in_channels: int, out_channels: int, conv_type: str = 'Conv2d',
                 kernel_size: int = 2, stride: int = 2, padding: Union[int, str] = 'same',
                 dilation: int = 1, bias: bool = True, norm_cfg: dict = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.out_channels = out_channels
        kernel_size, stride, padding, dilation, self.adaptive_padding = _sampling_geometry(
            kernel_size, stride, padding, dilation)
        self.projection = build_conv_layer(dict(type=conv_type), in_channels, out_channels,
                                           kernel_size, stride=stride, padding=padding,
                                           dilation=dilation, bias=bias)
        self.norm = build_norm_layer(norm_cfg, in_channels)[1] if norm_cfg else nn.Identity()

    def forward(self, x: torch.Tensor, input_size: Tuple[int, int]):
        B, L, C = x.shape
        if L != input_size[0] * input_size[1]:
            raise ValueError(f'DaViTDownSample got {L} tokens for a {input_size} map')
        x = self.norm(x).reshape(B, *input_size, C).permute(0, 3, 1, 2)
        if self.adaptive_padding is not None:
            x = self.adaptive_padding(x)
        x = self.projection(x)
        return x.flatten(2).transpose(1, 2), (x.shape[2], x.shape[3])


class ChannelAttention(BaseModule):
    """Attention across channels within each head: the (head_dims x head_dims) attention map
    ``softmax(k^T v)`` mixes the query's channels."""

    def __init__(self, embed_dims: int, num_heads: int = 8, qkv_bias: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.head_dims = embed_dims // num_heads
        self.scale = self.head_dims**-0.5
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int] = None) -> torch.Tensor:
        """``x``: (B, N, C) tokens; ``hw_shape`` is not needed (the attention is global over
        tokens) and only keeps the interface of the spatial attention."""
        B, N, _ = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        attention = ((k * self.scale).transpose(-1, -2) @ v).softmax(dim=-1)
        x = (attention @ q.transpose(-1, -2)).transpose(-1, -2)
        return self.proj(x.transpose(1, 2).reshape(B, N, self.embed_dims))


class _DualBlockBase(BaseModule):
    """``cpe1 -> x + attn(norm1(x), hw) -> cpe2 -> x + ffn(norm2(x))`` with optional
    checkpointing; subclasses build ``attn``."""

    def _build_common(self, embed_dims, ffn_ratio, drop_path, ffn_cfgs, norm_cfg, with_cp):
        self.with_cp = with_cp
        self.cpe1 = ConvPosEnc(embed_dims, 3)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.cpe2 = ConvPosEnc(embed_dims, 3)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        cfg = dict(embed_dims=embed_dims, feedforward_channels=int(embed_dims * ffn_ratio),
                   num_fcs=2, ffn_drop=0., dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                   act_cfg=dict(type='GELU'))
        cfg.update(ffn_cfgs)
        self.ffn = FFN(**cfg)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        def inner(x):
            x = self.cpe1(x, hw_shape)
            x = x + self.attn(self.norm1(x), hw_shape)
            x = self.cpe2(x, hw_shape)
            return self.ffn(self.norm2(x), identity=x)

        return checkpointed(inner, x, with_cp=self.with_cp)


class SpatialBlock(_DualBlockBase):
    """Window-attention half of a DaViT block."""

    def __init__(self, embed_dims: int, num_heads: int, window_size: int = 7,
                 ffn_ratio: float = 4., qkv_bias: bool = True, drop_path: float = 0.,
                 pad_small_map: bool = False, attn_cfgs: dict = dict(), ffn_cfgs: dict = dict(),
                 norm_cfg: dict = dict(type='LN'), with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self._build_common(embed_dims, ffn_ratio, drop_path, ffn_cfgs, norm_cfg, with_cp)
        cfg = dict(embed_dims=embed_dims, num_heads=num_heads, shift_size=0,
                   window_size=window_size,
                   dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                   qkv_bias=qkv_bias, pad_small_map=pad_small_map, window_msa=DaViTWindowMSA)
        cfg.update(attn_cfgs)
        self.attn = ShiftWindowMSA(**cfg)


class ChannelBlock(_DualBlockBase):
    """Channel-attention half of a DaViT block."""

    def __init__(self, embed_dims: int, num_heads: int, ffn_ratio: float = 4.,
                 qkv_bias: bool = False, drop_path: float = 0., ffn_cfgs: dict = dict(),
                 norm_cfg: dict = dict(type='LN'), with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self._build_common(embed_dims, ffn_ratio, drop_path, ffn_cfgs, norm_cfg, with_cp)
        self.attn = ChannelAttention(embed_dims, num_heads, qkv_bias)


class DaViTBlock(BaseModule):
    """A spatial block followed by a channel block."""

    def __init__(self, embed_dims: int, num_heads: int, window_size: int = 7,
                 ffn_ratio: float = 4., qkv_bias: bool = True, drop_path: float = 0.,
                 pad_small_map: bool = False, attn_cfgs: dict = dict(), ffn_cfgs: dict = dict(),
                 norm_cfg: dict = dict(type='LN'), with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.spatial_block = SpatialBlock(embed_dims, num_heads, window_size, ffn_ratio, qkv_bias,
                                          drop_path, pad_small_map, attn_cfgs, ffn_cfgs,
                                          norm_cfg, with_cp)
        self.channel_block = ChannelBlock(embed_dims, num_heads, ffn_ratio, qkv_bias, drop_path,
                                          ffn_cfgs, norm_cfg, with_cp)

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        return self.channel_block(self.spatial_block(x, hw_shape), hw_shape)


class DaViTBlockSequence(BaseModule):
    """A stage: ``depth`` DaViT blocks and an optional downsampling layer (width x2)."""

    def __init__(self, embed_dims: int, depth: int, num_heads: int, window_size: int = 7,
                 ffn_ratio: float = 4., qkv_bias: bool = True, downsample: bool = False,
                 downsample_cfg: dict = dict(), drop_paths: Union[float, Sequence[float]] = 0.,
                 block_cfgs: Union[dict, Sequence[dict]] = dict(), with_cp: bool = False,
                 pad_small_map: bool = False, init_cfg=None) -> None:
        super().__init__(init_cfg)
        if not isinstance(drop_paths, Sequence):
            drop_paths = [drop_paths] * depth
        if isinstance(block_cfgs, dict):
            block_cfgs = [deepcopy(block_cfgs) for _ in range(depth)]
        self.embed_dims = embed_dims
        self.blocks = ModuleList()
        for i in range(depth):
            cfg = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                       ffn_ratio=ffn_ratio, qkv_bias=qkv_bias, drop_path=drop_paths[i],
                       with_cp=with_cp, pad_small_map=pad_small_map)
            cfg.update(block_cfgs[i])
            self.blocks.append(DaViTBlock(**cfg))
        self.downsample = None
        if downsample:
            cfg = dict(in_channels=embed_dims, out_channels=2 * embed_dims,
                       norm_cfg=dict(type='LN'))
            cfg.update(downsample_cfg)
            self.downsample = DaViTDownSample(**cfg)

    def forward(self, x: torch.Tensor, in_shape: Tuple[int, int], do_downsample: bool = True):
        for block in self.blocks:
            x = block(x, in_shape)
        if self.downsample is not None and do_downsample:
            return self.downsample(x, in_shape)
        return x, in_shape

    @property
    def out_channels(self) -> int:
        return self.downsample.out_channels if self.downsample is not None else self.embed_dims


@MODELS.register_module()
class DaViT(BaseBackbone):
    """DaViT backbone.

    Args:
        arch: 'tiny', 'small', 'base', 'large', 'huge', 'giant' (or their initials), or a dict
            with ``embed_dims``, ``depths``, ``num_heads``.
        patch_size: stride of the 7x7 conv patch embedding.
        in_channels: input image channels.
        window_size: spatial attention window.
        ffn_ratio: FFN hidden width ratio.
        qkv_bias: bias of the q/k/v projections.
        drop_path_rate: stochastic depth, increasing linearly over all blocks.
        out_after_downsample: output each stage after its downsampling layer.
        pad_small_map: pad maps smaller than a window (dense tasks).
        norm_cfg: norm applied to every output (``norm{i}``).
        stage_cfgs: extra per-stage arguments.
        frozen_stages: freeze the patch embedding and stages 0..frozen_stages (-1: none).
        norm_eval: keep batch norms in eval mode while training.
        out_indices: stages to return as (B, C, H, W) maps.
        with_cp: gradient checkpointing of the blocks.
    """

    arch_zoo = {
        **dict.fromkeys(['t', 'tiny'], _arch(96, [1, 1, 3, 1], [3, 6, 12, 24])),
        **dict.fromkeys(['s', 'small'], _arch(96, [1, 1, 9, 1], [3, 6, 12, 24])),
        **dict.fromkeys(['b', 'base'], _arch(128, [1, 1, 9, 1], [4, 8, 16, 32])),
        **dict.fromkeys(['l', 'large'], _arch(192, [1, 1, 9, 1], [6, 12, 24, 48])),
        **dict.fromkeys(['h', 'huge'], _arch(256, [1, 1, 9, 1], [8, 16, 32, 64])),
        **dict.fromkeys(['g', 'giant'], _arch(384, [1, 1, 12, 3], [12, 24, 48, 96])),
    }

    def __init__(self,
                 arch: Union[str, dict] = 't',
                 patch_size: int = 4,
                 in_channels: int = 3,
                 window_size: int = 7,
                 ffn_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.1,
                 out_after_downsample: bool = False,
                 pad_small_map: bool = False,
                 norm_cfg: dict = dict(type='LN'),
                 stage_cfgs: Union[dict, Sequence[dict]] = dict(),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'DaViT')
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths = list(self.arch_settings['depths'])
        self.num_heads = list(self.arch_settings['num_heads'])
        self.num_layers = len(self.depths)
        self.out_indices = normalize_out_indices(out_indices, self.num_layers, 'DaViT')
        self.out_after_downsample = out_after_downsample
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.patch_embed = PatchEmbed(in_channels=in_channels, embed_dims=self.embed_dims,
                                      conv_type='Conv2d', kernel_size=7, stride=patch_size,
                                      padding='same', norm_cfg=dict(type='LN'))
        self.stages = ModuleList()
        widths = [self.embed_dims]
        for i, (depth, heads) in enumerate(zip(self.depths, self.num_heads)):
            stage_cfg = stage_cfgs[i] if isinstance(stage_cfgs, Sequence) else deepcopy(stage_cfgs)
            cfg = dict(embed_dims=widths[-1], depth=depth, num_heads=heads,
                       window_size=window_size, ffn_ratio=ffn_ratio, qkv_bias=qkv_bias,
                       downsample=i < self.num_layers - 1, drop_paths=dpr[:depth],
                       with_cp=with_cp, pad_small_map=pad_small_map)
            cfg.update(stage_cfg)
            stage = DaViTBlockSequence(**cfg)
            self.stages.append(stage)
            dpr = dpr[depth:]
            widths.append(stage.out_channels)
        self.num_features = widths[1:] if out_after_downsample else widths[:-1]
        for i in self.out_indices:
            norm = (build_norm_layer(norm_cfg, self.num_features[i])[1] if norm_cfg
                    else nn.Identity())
            self.add_module(f'norm{i}', norm)
        self._apply_frozen_stages()

    def _frozen_modules(self) -> List[nn.Module]:
        # unlike Swin, frozen_stages=k also freezes stage k (and its output norm)
        if self.frozen_stages < 0:
            return []
        norms = [getattr(self, f'norm{i}') for i in self.out_indices if i <= self.frozen_stages]
        return [self.patch_embed, *self.stages[:self.frozen_stages + 1], *norms]

    def forward(self, x: torch.Tensor) -> tuple:
        x, hw_shape = self.patch_embed(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x, hw_shape = stage(x, hw_shape, do_downsample=self.out_after_downsample)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(x)
                outs.append(out.view(-1, *hw_shape, self.num_features[i])
                            .permute(0, 3, 1, 2).contiguous())
            if stage.downsample is not None and not self.out_after_downsample:
                x, hw_shape = stage.downsample(x, hw_shape)
        return tuple(outs)


__all__ = ['DaViT']
