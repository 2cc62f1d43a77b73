"""Patch embedding (convolutional or from a CNN feature map), patch merging and
position-embedding resizing for vision transformers."""
import math
from functools import partial
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base_module import BaseModule
from .conv import build_conv_layer
from .helpers import to_2tuple
from .norm import build_norm_layer
from .window_attention import resize_relative_position_bias_table  # noqa: F401  (rc6 path)

Size = Union[int, Tuple[int, int]]
Pair = Tuple[int, int]


class AdaptivePadding(nn.Module):
    """Pad the input so a kernel/stride covers it exactly ('same' or 'corner' placement)."""

    def __init__(self, kernel_size: Size = 1, stride: Size = 1, dilation: Size = 1,
                 padding: str = 'corner') -> None:
        super().__init__()
        if padding not in ('same', 'corner'):
            raise ValueError(f"padding must be 'same' or 'corner', got {padding!r}")
        self.padding = padding
        self.kernel_size = to_2tuple(kernel_size)
        self.stride = to_2tuple(stride)
        self.dilation = to_2tuple(dilation)

    def get_pad_shape(self, input_shape: Tuple[int, int]) -> Tuple[int, int]:
        pads = []
        for size, k, s, d in zip(input_shape, self.kernel_size, self.stride, self.dilation):
            out = math.ceil(size / s)
            pads.append(max((out - 1) * s + (k - 1) * d + 1 - size, 0))
        return pads[0], pads[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad_h, pad_w = self.get_pad_shape(x.shape[-2:])
        if pad_h or pad_w:
            if self.padding == 'corner':
                x = F.pad(x, [0, pad_w, 0, pad_h])
            else:
                x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return x


def _sampling_geometry(
        kernel_size: Size, stride: Optional[Size], padding: Union[int, tuple, str], dilation: Size
) -> Tuple[Pair, Pair, Pair, Pair, Optional[AdaptivePadding]]:
    """``(kernel_size, stride, padding, dilation)`` of a patch sampler as pairs, and its
    :class:`AdaptivePadding` (or None).

    ``stride`` defaults to the kernel size; a string ``padding`` ('same' or
    'corner') becomes an AdaptivePadding run before a zero-padded sampler.
    """
    kernel_size = to_2tuple(kernel_size)
    stride = to_2tuple(stride if stride is not None else kernel_size)
    dilation = to_2tuple(dilation)
    adaptive_padding = None
    if isinstance(padding, str):
        adaptive_padding = AdaptivePadding(kernel_size, stride, dilation, padding)
        padding = 0
    return kernel_size, stride, to_2tuple(padding), dilation, adaptive_padding


def _conv_out_size(size: Tuple[int, int], kernel, stride, padding, dilation) -> Tuple[int, int]:
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))


class PatchEmbed(BaseModule):
    """Split an image into patches with a conv ``projection`` and return (B, N, C) tokens.

    ``forward`` returns ``(tokens, (out_h, out_w))``. ``padding='corner'`` pads the bottom/right
    so any input size is covered; ``init_out_size`` is the token grid for ``input_size``.

    MMClassification's older arguments are honoured too: ``img_size`` (224 by default) stands for
    ``input_size`` when that is not given (both ``None`` leave ``init_input_size`` and
    ``init_out_size`` as ``None``), and ``conv_cfg`` (``type``, ``kernel_size``, ``stride``, ``padding``, ``dilation``, ``bias``)
    overrides the matching projection arguments.
    """

    def __init__(self,
                 in_channels: int = 3,
                 embed_dims: int = 768,
                 conv_type: str = 'Conv2d',
                 kernel_size: Size = 16,
                 stride: Optional[Size] = 16,
                 padding: Union[int, tuple, str] = 'corner',
                 dilation: Size = 1,
                 bias: bool = True,
                 norm_cfg: Optional[dict] = None,
                 input_size: Optional[Size] = None,
                 img_size: Optional[Size] = 224,
                 conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.embed_dims = embed_dims
        if input_size is None:
            input_size = img_size
        if conv_cfg:
            conv = dict(type=conv_type, kernel_size=kernel_size, stride=stride, padding=padding,
                        dilation=dilation, bias=bias)
            unknown = set(conv_cfg) - set(conv)
            if unknown:
                raise ValueError(f'PatchEmbed: unsupported conv_cfg keys {sorted(unknown)}')
            conv.update(conv_cfg)
            conv_type = conv.pop('type')
            kernel_size, stride, padding, dilation, bias = conv.values()
        kernel_size, stride, padding, dilation, self.adaptive_padding = _sampling_geometry(
            kernel_size, stride, padding, dilation)
        self.projection = build_conv_layer(dict(type=conv_type), in_channels, embed_dims,
                                           kernel_size=kernel_size, stride=stride,
                                           padding=padding, dilation=dilation, bias=bias)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1] if norm_cfg is not None else None
        if input_size is not None:
            input_size = to_2tuple(input_size)
            self.init_input_size = input_size
            if self.adaptive_padding is not None:
                pad_h, pad_w = self.adaptive_padding.get_pad_shape(input_size)
                input_size = (input_size[0] + pad_h, input_size[1] + pad_w)
            self.init_out_size = _conv_out_size(input_size, kernel_size, stride, padding, dilation)
        else:
            self.init_input_size = self.init_out_size = None

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Tuple[int, int]]:
        if self.adaptive_padding is not None:
            x = self.adaptive_padding(x)
        x = self.projection(x)
        out_size = (x.shape[2], x.shape[3])
        x = x.flatten(2).transpose(1, 2)
        if self.norm is not None:
            x = self.norm(x)
        return x, out_size


def build_patch_embed(in_channels: int, img_size: Union[int, Sequence[int]], embed_dims: int,
                      patch_size: int, patch_cfg: dict, **defaults) -> PatchEmbed:
    """A non-overlapping Conv2d patch embedding (kernel = stride = ``patch_size``).

    ``defaults`` are the family's own arguments (``norm_cfg``, ``bias``, ...); ``patch_cfg``
    overrides any argument.
    """
    patch = dict(in_channels=in_channels, input_size=img_size, embed_dims=embed_dims,
                 conv_type='Conv2d', kernel_size=patch_size, stride=patch_size, **defaults)
    patch.update(patch_cfg)
    return PatchEmbed(**patch)


class PatchMerging(BaseModule):
    """Merge k x k neighbouring tokens (unfold ``sampler`` -> ``norm`` -> linear ``reduction``).

    ``forward(x, input_size)`` takes (B, H*W, C) tokens and returns ``(tokens, (out_h, out_w))``.
    ``use_post_norm=True`` (Swin V2) normalises the reduced ``out_channels`` tokens instead.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: Size = 2,
                 stride: Optional[Size] = None,
                 padding: Union[int, tuple, str] = 'corner',
                 dilation: Size = 1,
                 bias: bool = False,
                 norm_cfg: Optional[dict] = dict(type='LN'),
                 use_post_norm: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.use_post_norm = use_post_norm
        kernel_size, stride, padding, dilation, self.adaptive_padding = _sampling_geometry(
            kernel_size, stride, padding, dilation)
        self.kernel_size, self.stride, self.padding, self.dilation = (kernel_size, stride,
                                                                      padding, dilation)
        self.sampler = nn.Unfold(kernel_size=kernel_size, dilation=dilation, padding=padding,
                                 stride=stride)
        sample_dims = kernel_size[0] * kernel_size[1] * in_channels
        norm_dims = out_channels if use_post_norm else sample_dims
        if not use_post_norm:  # registration order gives the reference state-dict order
            self.norm = build_norm_layer(norm_cfg, norm_dims)[1] if norm_cfg is not None else None
        self.reduction = nn.Linear(sample_dims, out_channels, bias=bias)
        if use_post_norm:
            self.norm = build_norm_layer(norm_cfg, norm_dims)[1] if norm_cfg is not None else None

    def forward(self, x: torch.Tensor,
                input_size: Tuple[int, int]) -> Tuple[torch.Tensor, Tuple[int, int]]:
        batch, length, channels = x.shape
        height, width = input_size
        if length != height * width:
            raise ValueError(f'PatchMerging got {length} tokens for input size {input_size}')
        x = x.view(batch, height, width, channels).permute(0, 3, 1, 2)
        if self.adaptive_padding is not None:
            x = self.adaptive_padding(x)
        out_size = _conv_out_size(x.shape[-2:], self.kernel_size, self.stride, self.padding,
                                  self.dilation)
        x = self.sampler(x).transpose(1, 2)
        if self.use_post_norm:
            x = self.reduction(x)
        if self.norm is not None:
            x = self.norm(x)
        return (x if self.use_post_norm else self.reduction(x)), out_size


class HybridEmbed(BaseModule):
    """Tokens from a CNN's last feature map: ``backbone`` -> 1x1 projection -> (B, H*W, C).

    Args:
        backbone: the CNN; when it returns a list/tuple of maps the last one is used.
        img_size: input size used to probe the feature map when ``feature_size`` is not given.
        feature_size: (h, w) of the backbone's output; if given, its channel count is read from
            ``backbone.feature_info.channels()[-1]`` or ``backbone.num_features``.
        in_channels: channels of the probe image.
        embed_dims: token width.
        conv_cfg: overrides of the projection conv (default a 1x1 ``Conv2d``).
    """

    def __init__(self,
                 backbone: nn.Module,
                 img_size: Size = 224,
                 feature_size: Optional[Size] = None,
                 in_channels: int = 3,
                 embed_dims: int = 768,
                 conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if not isinstance(backbone, nn.Module):
            raise TypeError(f'backbone must be an nn.Module, got {type(backbone).__name__}')
        self.img_size = _pair_size(img_size, 'img_size')
        self.backbone = backbone
        if feature_size is None:
            feature_size, feature_dims = self._probe(in_channels)
        else:
            feature_size = _pair_size(feature_size, 'feature_size')
            feature_dims = self._declared_channels()
        self.num_patches = feature_size[0] * feature_size[1]
        projection = dict(type='Conv2d', kernel_size=1, stride=1, padding=0, dilation=1)
        projection.update(conv_cfg or {})
        self.projection = build_conv_layer(projection, feature_dims, embed_dims)

    def _probe(self, in_channels: int) -> Tuple[Tuple[int, int], int]:
        """Run a zero image through the backbone (in eval mode) to read its output shape."""
        was_training = self.backbone.training
        self.backbone.eval()
        try:
            with torch.no_grad():
                out = _last_map(self.backbone(torch.zeros(1, in_channels, *self.img_size)))
        finally:
            self.backbone.train(was_training)
        return tuple(out.shape[-2:]), out.shape[1]

    def _declared_channels(self) -> int:
        info = getattr(self.backbone, 'feature_info', None)
        if info is not None:
            return info.channels()[-1]
        if hasattr(self.backbone, 'num_features'):
            return self.backbone.num_features
        raise ValueError('HybridEmbed: with feature_size given, the backbone must expose '
                         '`feature_info` or `num_features` (its output channels)')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _last_map(self.backbone(x))
        return self.projection(x).flatten(2).transpose(1, 2)


def _last_map(out):
    return out[-1] if isinstance(out, (list, tuple)) else out


def _pair_size(size: Size, argument: str) -> Tuple[int, int]:
    pair = to_2tuple(size)
    if len(pair) == 1:
        pair = (pair[0], pair[0])
    if len(pair) != 2:
        raise ValueError(f'{argument} must be an int or an (h, w) pair, got {size!r}')
    return tuple(pair)


def resize_pos_embed(pos_embed: torch.Tensor,
                     src_shape: Tuple[int, int],
                     dst_shape: Tuple[int, int],
                     mode: str = 'bicubic',
                     num_extra_tokens: int = 1) -> torch.Tensor:
    """Interpolate a (1, extra + H*W, C) position embedding from grid ``src_shape`` to ``dst_shape``."""
    if tuple(src_shape) == tuple(dst_shape):
        return pos_embed
    if pos_embed.ndim != 3:
        raise ValueError(f'pos_embed must be (1, L, C), got shape {tuple(pos_embed.shape)}')
    _, length, channels = pos_embed.shape
    src_h, src_w = src_shape
    if length != src_h * src_w + num_extra_tokens:
        raise ValueError(f'pos_embed has {length} tokens, expected {src_h}*{src_w}+'
                         f'{num_extra_tokens} for source shape {tuple(src_shape)}')
    extra = pos_embed[:, :num_extra_tokens]
    grid = pos_embed[:, num_extra_tokens:].reshape(1, src_h, src_w, channels).permute(0, 3, 1, 2)
    grid = F.interpolate(grid.float(), size=tuple(dst_shape), align_corners=False, mode=mode)
    grid = grid.flatten(2).transpose(1, 2).to(pos_embed.dtype)
    return torch.cat((extra, grid), dim=1)


def resize_checkpoint_pos_embed(state_dict: dict, key: str, own: torch.Tensor,
                                patch_resolution: Tuple[int, int], mode: str,
                                num_extra_tokens: int) -> None:
    """Resize, in ``state_dict``, the position embedding ``key`` of a checkpoint whose shape is
    not the model's (``own``): its square patch grid (after ``num_extra_tokens`` extra tokens) is
    interpolated to ``patch_resolution``. A grid that is not square is a ``ValueError``."""
    if key not in state_dict or state_dict[key].shape == own.shape:
        return
    ckpt = state_dict[key]
    patches = ckpt.shape[1] - num_extra_tokens
    side = int(patches**0.5)
    if side * side != patches:
        raise ValueError(f'cannot resize {key} of shape {tuple(ckpt.shape)}: its patch grid '
                         'is not square')
    state_dict[key] = resize_pos_embed(ckpt, (side, side), patch_resolution, mode,
                                       num_extra_tokens)


def register_pos_embed_resizing(module: nn.Module, name: str, num_extra_tokens: int) -> None:
    """Make ``module.load_state_dict`` resize a checkpoint's position embedding ``name`` to the
    module's ``patch_resolution`` (with its ``interpolate_mode``), see
    :func:`resize_checkpoint_pos_embed`."""
    module._register_load_state_dict_pre_hook(
        partial(_resize_pos_embed_hook, name=name, num_extra_tokens=num_extra_tokens),
        with_module=True)


def _resize_pos_embed_hook(module: nn.Module, state_dict: dict, prefix: str, *args, name: str,
                           num_extra_tokens: int, **kwargs) -> None:
    resize_checkpoint_pos_embed(state_dict, prefix + name, getattr(module, name),
                                module.patch_resolution, module.interpolate_mode,
                                num_extra_tokens)


__all__ = ['AdaptivePadding', 'PatchEmbed', 'build_patch_embed', 'HybridEmbed', 'PatchMerging',
           'resize_pos_embed', 'resize_checkpoint_pos_embed', 'register_pos_embed_resizing',
           'resize_relative_position_bias_table']
