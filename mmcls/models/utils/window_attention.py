"""Window attention of Swin Transformer (V1 and V2) and the relative-position helpers it uses.

``WindowMSA`` attends inside non-overlapping windows with a learned relative position bias table;
``WindowMSAV2`` is Swin V2's scaled-cosine attention with a continuous (MLP) position bias;
``ShiftWindowMSA`` pads, cyclically shifts and partitions a (B, H*W, C) map into windows for
either of them.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from .base_module import BaseModule
from .drop import build_dropout
from .helpers import to_2tuple
from .weight_init import trunc_normal_


def relative_position_index(window_size: Tuple[int, int]) -> torch.Tensor:
    """Index (Wh*Ww, Wh*Ww) into a (2*Wh-1)*(2*Ww-1) relative-position table for each token pair."""
    height, width = window_size
    coords = torch.stack(torch.meshgrid(torch.arange(height), torch.arange(width),
                                        indexing='ij')).flatten(1)  # 2, Wh*Ww
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0)
    return (relative[..., 0] + height - 1) * (2 * width - 1) + relative[..., 1] + width - 1


def resize_relative_position_bias_table(src_shape: int, dst_shape: int, table: torch.Tensor,
                                        num_head: int) -> torch.Tensor:
    """Resize a ((src_shape)**2, num_head) relative-position bias table to (dst_shape**2, ...).

    ``src_shape``/``dst_shape`` are the side lengths ``2 * window - 1`` of the square tables; the
    table is resampled bicubically (used when loading a checkpoint trained with another window).
    """
    if table.shape != (src_shape * src_shape, num_head):
        raise ValueError(f'relative position bias table of shape {tuple(table.shape)} does not '
                         f'match side {src_shape} and {num_head} heads')
    grid = table.T.reshape(1, num_head, src_shape, src_shape).float()
    grid = F.interpolate(grid, size=(dst_shape, dst_shape), mode='bicubic', align_corners=True)
    return grid.reshape(num_head, -1).T.contiguous().to(table.dtype)


class WindowMSA(BaseModule):
    """Multi-head self-attention inside a window, with a relative position bias (Swin V1).

    Args:
        embed_dims: token width.
        window_size: (height, width) of a window.
        num_heads: number of heads.
        qkv_bias / qk_scale: bias of the fused qkv projection; override of head_dims ** -0.5.
        attn_drop / proj_drop: dropout on the attention weights and the output.
    """

    def __init__(self,
                 embed_dims: int,
                 window_size: Union[int, Sequence[int]],
                 num_heads: int,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        self.window_size = to_2tuple(window_size)
        self.num_heads = num_heads
        head_dims = embed_dims // num_heads
        self.scale = qk_scale or head_dims**-0.5
        height, width = self.window_size
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * height - 1) * (2 * width - 1), num_heads))
        self.register_buffer('relative_position_index', relative_position_index(self.window_size))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def init_weights(self) -> None:
        super().init_weights()
        trunc_normal_(self.relative_position_bias_table, std=0.02)

    @staticmethod
    def double_step_seq(step1: int, len1: int, step2: int, len2: int) -> torch.Tensor:
        """(1, len1*len2) sums ``i*step1 + j*step2`` for i < len1, j < len2 (row-major)."""
        outer = torch.arange(0, step1 * len1, step1)[:, None]
        return (outer + torch.arange(0, step2 * len2, step2)[None, :]).reshape(1, -1)

    def relative_position_bias(self) -> torch.Tensor:
        """The (num_heads, N, N) bias added to the attention logits of every window."""
        tokens = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(tokens, tokens, -1).permute(2, 0, 1)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x``: (num_windows*B, N, C); ``mask``: (num_windows, N, N) of 0 / -100 or None."""
        batch, tokens, channels = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, channels // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        bias = _window_bias(self.relative_position_bias().unsqueeze(0), mask, batch)
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), dropout_p=drop,
                                             scale=self.scale)
        out = out.transpose(1, 2).reshape(batch, tokens, channels)
        return self.proj_drop(self.proj(out))


class WindowMSAV2(BaseModule):
    """Swin V2 window attention: scaled cosine attention and a continuous position bias (MLP).

    Args:
        embed_dims / window_size / num_heads: as :class:`WindowMSA`.
        qkv_bias: learn ``q_bias`` and ``v_bias`` (the key has none).
        cpb_mlp_hidden_dims: hidden width of the position-bias MLP ``cpb_mlp``.
        pretrained_window_size: window the coordinates are normalised by (0: this window), so a
            model fine-tuned at a larger window keeps its pre-trained bias function.
    """

    def __init__(self,
                 embed_dims: int,
                 window_size: Union[int, Sequence[int]],
                 num_heads: int,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 cpb_mlp_hidden_dims: int = 512,
                 pretrained_window_size: Union[int, Sequence[int]] = (0, 0),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        self.window_size = to_2tuple(window_size)
        self.num_heads = num_heads
        self.cpb_mlp = nn.Sequential(
            nn.Linear(2, cpb_mlp_hidden_dims, bias=True), nn.ReLU(inplace=True),
            nn.Linear(cpb_mlp_hidden_dims, num_heads, bias=False))
        self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((num_heads, 1, 1))))
        self.register_buffer(
            'relative_coords_table',
            self._coords_table(self.window_size, to_2tuple(pretrained_window_size)))
        self.register_buffer('relative_position_index', relative_position_index(self.window_size))
        self.qkv = nn.Linear(embed_dims, embed_dims * 3, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(embed_dims))
            self.v_bias = nn.Parameter(torch.zeros(embed_dims))
        else:
            self.q_bias = self.v_bias = None
        self.attn_drop = attn_drop
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    @staticmethod
    def _coords_table(window_size: Tuple[int, int],
                      pretrained_window_size: Tuple[int, int]) -> torch.Tensor:
        """Log-spaced relative coordinates (1, 2*Wh-1, 2*Ww-1, 2) in [-8, 8] mapped to ~[-1, 1]."""
        axes = [torch.arange(-(size - 1), size, dtype=torch.float32) for size in window_size]
        table = torch.stack(torch.meshgrid(*axes, indexing='ij')).permute(1, 2, 0).unsqueeze(0)
        norm = pretrained_window_size if pretrained_window_size[0] > 0 else window_size
        table[..., 0] /= (norm[0] - 1)
        table[..., 1] /= (norm[1] - 1)
        table *= 8
        return torch.sign(table) * torch.log2(table.abs() + 1.0) / math.log2(8)

    def relative_position_bias(self) -> torch.Tensor:
        """The (num_heads, N, N) bias: ``16 * sigmoid(cpb_mlp(coords))`` gathered per token pair."""
        tokens = self.window_size[0] * self.window_size[1]
        table = self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads)
        bias = table[self.relative_position_index.view(-1)].view(tokens, tokens, -1)
        return 16 * torch.sigmoid(bias.permute(2, 0, 1))

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x``: (num_windows*B, N, C); ``mask``: (num_windows, N, N) or None."""
        batch, tokens, channels = x.shape
        qkv_bias = None
        if self.q_bias is not None:
            qkv_bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias), self.v_bias))
        qkv = F.linear(x, self.qkv.weight, qkv_bias)
        qkv = qkv.reshape(batch, tokens, 3, self.num_heads, channels // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        logit_scale = torch.clamp(self.logit_scale, max=math.log(1. / 0.01)).exp()
        q = F.normalize(q, dim=-1) * logit_scale
        k = F.normalize(k, dim=-1)
        bias = _window_bias(self.relative_position_bias().unsqueeze(0), mask, batch)
        drop = self.attn_drop if self.training else 0.
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype), dropout_p=drop,
                                             scale=1.0)
        out = out.transpose(1, 2).reshape(batch, tokens, channels)
        return self.proj_drop(self.proj(out))


def _window_bias(bias: torch.Tensor, mask: Optional[torch.Tensor], batch: int) -> torch.Tensor:
    """Combine a (1, heads, N, N) position bias with a (num_windows, N, N) shift mask."""
    if mask is None:
        return bias
    num_windows = mask.shape[0]
    if batch % num_windows:
        raise ValueError(f'{batch} windows is not a multiple of the mask\'s {num_windows} windows')
    bias = bias.unsqueeze(0) + mask.unsqueeze(1).unsqueeze(0)  # 1, nW, heads, N, N
    return bias.expand(batch // num_windows, -1, -1, -1, -1).reshape(batch, *bias.shape[2:])


_WINDOW_MSA = {'WindowMSA': WindowMSA, 'WindowMSAV2': WindowMSAV2}


@MODELS.register_module()
class ShiftWindowMSA(BaseModule):
    """(Shifted) window attention over a (B, H*W, C) feature map.

    Args:
        embed_dims / num_heads / window_size: as :class:`WindowMSA`.
        shift_size: cyclic shift of the windows (0 for regular windows).
        dropout_layer: dropout config applied to the output (DropPath in Swin blocks).
        pad_small_map: pad maps smaller than a window instead of refusing them; without it a map
            exactly one window large is attended without shift (as the original Swin).
        window_msa: the window attention class (or its name), ``WindowMSA`` or ``WindowMSAV2``.
        msa_cfg / kwargs: extra arguments of the window attention (``kwargs`` win over
            ``msa_cfg``), e.g. ``pretrained_window_size`` of ``WindowMSAV2``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 window_size: int,
                 shift_size: int = 0,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 dropout_layer: dict = dict(type='DropPath', drop_prob=0.),
                 pad_small_map: bool = False,
                 window_msa: Union[str, type] = WindowMSA,
                 msa_cfg: dict = dict(),
                 init_cfg=None,
                 **kwargs) -> None:
        super().__init__(init_cfg)
        if not 0 <= shift_size < window_size:
            raise ValueError(f'shift_size must be in [0, window_size={window_size}), '
                             f'got {shift_size}')
        self.window_size = window_size
        self.shift_size = shift_size
        self.pad_small_map = pad_small_map
        msa_class = _WINDOW_MSA[window_msa] if isinstance(window_msa, str) else window_msa
        cfg = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=to_2tuple(window_size),
                   qkv_bias=qkv_bias, attn_drop=attn_drop, proj_drop=proj_drop)
        if msa_class is WindowMSA:
            cfg['qk_scale'] = qk_scale
        cfg.update(msa_cfg)
        cfg.update(kwargs)
        self.w_msa = msa_class(**cfg)
        self.drop = build_dropout(dropout_layer)

    def forward(self, query: torch.Tensor, hw_shape: Tuple[int, int]) -> torch.Tensor:
        batch, length, channels = query.shape
        height, width = hw_shape
        if length != height * width:
            raise ValueError(f'ShiftWindowMSA got {length} tokens for a {height}x{width} map')
        query = query.view(batch, height, width, channels)
        window_size, shift_size = self.window_size, self.shift_size
        if min(height, width) == window_size and not self.pad_small_map:
            shift_size = 0  # one window covers the map: the original Swin does not shift
        elif min(height, width) < window_size and not self.pad_small_map:
            raise ValueError(f'the input map ({height}, {width}) is smaller than the window size '
                             f'{window_size}; set pad_small_map=True or use a smaller window')

        pad_r = (window_size - width % window_size) % window_size
        pad_b = (window_size - height % window_size) % window_size
        query = F.pad(query, (0, 0, 0, pad_r, 0, pad_b))
        padded = (query.shape[1], query.shape[2])
        if shift_size > 0:
            query = torch.roll(query, shifts=(-shift_size, -shift_size), dims=(1, 2))
        # looked up on the instance, so a subclass (or a test double) can supply its own mask
        mask = self.get_attn_mask(padded, window_size=window_size, shift_size=shift_size,
                                  device=query.device)

        windows = self.window_partition(query, window_size).reshape(-1, window_size**2, channels)
        windows = self.w_msa(windows, mask=mask).reshape(-1, window_size, window_size, channels)
        x = self.window_reverse(windows, *padded, window_size)
        if shift_size > 0:
            x = torch.roll(x, shifts=(shift_size, shift_size), dims=(1, 2))
        x = x[:, :height, :width].reshape(batch, height * width, channels)
        return self.drop(x)

    @staticmethod
    def get_attn_mask(hw_shape: Tuple[int, int], window_size: int, shift_size: int,
                      device=None) -> Optional[torch.Tensor]:
        """(num_windows, N, N) mask: -100 between tokens that the cyclic shift made neighbours."""
        if shift_size <= 0:
            return None
        img_mask = torch.zeros((1, *hw_shape, 1), device=device)
        slices = (slice(0, -window_size), slice(-window_size, -shift_size),
                  slice(-shift_size, None))
        region = 0
        for h in slices:
            for w in slices:
                img_mask[:, h, w, :] = region
                region += 1
        windows = ShiftWindowMSA.window_partition(img_mask, window_size).reshape(-1, window_size**2)
        mask = windows.unsqueeze(1) - windows.unsqueeze(2)
        return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)

    @staticmethod
    def window_partition(x: torch.Tensor, window_size: int) -> torch.Tensor:
        """(B, H, W, C) -> (num_windows*B, window, window, C)."""
        batch, height, width, channels = x.shape
        # reshape, not view: a padded or shifted map may arrive non-contiguous
        x = x.reshape(batch, height // window_size, window_size, width // window_size,
                      window_size, channels)
        return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, window_size, window_size, channels)

    @staticmethod
    def window_reverse(windows: torch.Tensor, height: int, width: int,
                       window_size: int) -> torch.Tensor:
        """(num_windows*B, window, window, C) -> (B, H, W, C)."""
        batch = windows.shape[0] // (height * width // window_size // window_size)
        x = windows.reshape(batch, height // window_size, width // window_size, window_size,
                            window_size, -1)
        return x.permute(0, 1, 3, 2, 4, 5).reshape(batch, height, width, -1)

    # the mask builder's short name
    attn_mask = get_attn_mask


__all__ = ['WindowMSA', 'WindowMSAV2', 'ShiftWindowMSA', 'relative_position_index',
           'resize_relative_position_bias_table']
