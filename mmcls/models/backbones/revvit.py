"""Reversible Vision Transformer (Mangalam et al., 2022).

The token width is doubled into two streams (x1, x2); each layer computes
``y1 = x1 + F(x2)`` (attention) and ``y2 = x2 + G(y1)`` (FFN), which is invertible, so in
training the activations are recomputed from the outputs during the backward pass instead of
being stored (:class:`RevBackProp`). The streams are fused at the end (concatenation by default).
"""
import contextlib
from copy import deepcopy
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils.attention import MultiheadAttention
from ..utils.base_module import BaseModule
from ..utils.drop import DropPath
from ..utils.embed import build_patch_embed, register_pos_embed_resizing, resize_pos_embed
from ..utils.ffn import FFN, init_linears_xavier
from ..utils.helpers import to_2tuple
from ..utils.norm import build_norm_layer
from ..utils.token_layers import build_layers, init_token_params
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch


def _vit(embed_dims: int, num_layers: int, num_heads: int, ffn: int) -> dict:
    return dict(embed_dims=embed_dims, num_layers=num_layers, num_heads=num_heads,
                feedforward_channels=ffn)


arch_settings = {
    **dict.fromkeys(['s', 'small'], _vit(768, 8, 8, 768 * 3)),
    **dict.fromkeys(['b', 'base'], _vit(768, 12, 12, 3072)),
    **dict.fromkeys(['l', 'large'], _vit(1024, 24, 16, 4096)),
    **dict.fromkeys(['h', 'huge'], _vit(1280, 32, 16, 5120)),
    **dict.fromkeys(['deit-t', 'deit-tiny'], _vit(192, 12, 3, 192 * 4)),
    **dict.fromkeys(['deit-s', 'deit-small'], _vit(384, 12, 6, 384 * 4)),
    **dict.fromkeys(['deit-b', 'deit-base'], _vit(768, 12, 12, 768 * 4)),
}


class _RngState:
    """The CPU (and, for CUDA tensors, current-device) random state, to replay dropout and
    drop-path masks exactly when recomputing a branch."""

    def __init__(self, like: Optional[torch.Tensor] = None) -> None:
        self.cpu = torch.get_rng_state()
        on_cuda = like is not None and like.is_cuda
        self.cuda = torch.cuda.get_rng_state(like.device) if on_cuda else None
        self.device = like.device if on_cuda else None

    @contextlib.contextmanager
    def replay(self) -> Iterator[None]:
        """Run the body with this random state, restoring the current one afterwards."""
        devices = [self.device] if self.cuda is not None else []
        with torch.random.fork_rng(devices=devices):
            torch.set_rng_state(self.cpu)
            if self.cuda is not None:
                torch.cuda.set_rng_state(self.cuda, self.device)
            yield


class RevTransformerEncoderLayer(BaseModule):
    """One reversible layer: ``y1 = x1 + F(x2)``, ``y2 = x2 + G(y1)`` with pre-norm attention F
    (``ln1``/``attn``) and pre-norm FFN G (``ln2``/``ffn``), each followed by drop path.

    Args:
        embed_dims / num_heads / feedforward_channels: widths and attention heads.
        drop_rate / attn_drop_rate / drop_path_rate: dropout rates and stochastic depth.
        num_fcs / qkv_bias / act_cfg / norm_cfg: FFN, attention and norm settings.
        layer_id: index of the layer in the backbone, kept as ``layer_id``.
        init_cfg: initialisation config.
    """

    def __init__(self, embed_dims: int, num_heads: int, feedforward_channels: int,
                 drop_rate: float = 0., attn_drop_rate: float = 0., drop_path_rate: float = 0.,
                 num_fcs: int = 2, qkv_bias: bool = True, act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'), layer_id: int = 0, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.layer_id = layer_id
        # branch name ('attn', 'ffn') -> the random state it ran with, see ``seed_cuda``
        self.seeds: Dict[str, _RngState] = {}
        self.ln1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = MultiheadAttention(embed_dims, num_heads, attn_drop=attn_drop_rate,
                                       proj_drop=drop_rate, qkv_bias=qkv_bias)
        self.ln2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(embed_dims, feedforward_channels, num_fcs, act_cfg=act_cfg,
                       ffn_drop=drop_rate, add_identity=False)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def init_weights(self) -> None:
        super().init_weights()
        init_linears_xavier(self.ffn)

    def seed_cuda(self, key: str, like: Optional[torch.Tensor] = None) -> None:
        """Record the random state the branch ``key`` (``'attn'`` or ``'ffn'``) is about to
        draw its dropout and drop-path masks from, so that :meth:`backward_pass` recomputes
        the branch with the same masks.

        The CPU state is recorded, and that of ``like``'s CUDA device when ``like`` is given
        and on CUDA.
        """
        self.seeds[key] = _RngState(like)

    def f(self, x2: torch.Tensor) -> torch.Tensor:
        return self.drop_path(self.attn(self.ln1(x2)))

    def g(self, y1: torch.Tensor) -> torch.Tensor:
        return self.drop_path(self.ffn(self.ln2(y1)))

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, record: bool = False):
        """Return ``(y1, y2)``; with ``record`` keep the random states for :meth:`backward_pass`."""
        if record:
            self.seed_cuda('attn', x2)
        y1 = x1 + self.f(x2)
        if record:
            self.seed_cuda('ffn', y1)
        return y1, x2 + self.g(y1)

    def backward_pass(self, y1, y2, d_y1, d_y2):
        """Recompute the inputs ``(x1, x2)`` from the outputs and back-propagate through the
        layer, accumulating parameter gradients; returns ``(x1, x2, d_x1, d_x2)``."""
        y1, g_y1 = _rerun_branch(self.g, self.seeds['ffn'], y1, d_y2)
        with torch.no_grad():
            x2 = y2 - g_y1
            d_y1 = d_y1 + y1.grad
        x2, f_x2 = _rerun_branch(self.f, self.seeds['attn'], x2, d_y1)
        with torch.no_grad():
            x1 = y1 - f_x2
            d_x2 = d_y2 + x2.grad
        return x1.detach(), x2.detach(), d_y1, d_x2


def _rerun_branch(branch, rng: '_RngState', x: torch.Tensor, d_out: torch.Tensor):
    """Run ``branch`` again on a detached ``x`` with the recorded random state ``rng`` and
    back-propagate ``d_out`` through it; returns ``(x with its .grad, branch output)``."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        with rng.replay():
            out = branch(x)
        out.backward(d_out)
    return x, out


class RevBackProp(torch.autograd.Function):
    """Run the reversible layers without storing their activations; the backward pass
    reconstructs them layer by layer from the final output."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, layers: List[RevTransformerEncoderLayer]) -> torch.Tensor:
        x1, x2 = torch.chunk(x, 2, dim=-1)
        for layer in layers:
            x1, x2 = layer(x1, x2, record=True)
        ctx.save_for_backward(x1.detach(), x2.detach())
        ctx.layers = layers
        return torch.cat([x1, x2], dim=-1)

    @staticmethod
    def backward(ctx, dx: torch.Tensor):
        d_x1, d_x2 = torch.chunk(dx, 2, dim=-1)
        x1, x2 = ctx.saved_tensors
        for layer in ctx.layers[::-1]:
            x1, x2, d_x1, d_x2 = layer.backward_pass(x1, x2, d_x1, d_x2)
        return torch.cat([d_x1, d_x2], dim=-1), None


class TwoStreamFusion(nn.Module):
    """Fuse the two halves of the last dimension: 'add', 'max', 'min', 'avg' or 'concat'."""

    modes = ('add', 'max', 'min', 'avg', 'concat')

    def __init__(self, mode: str) -> None:
        super().__init__()
        if mode not in self.modes:
            raise ValueError(f'TwoStreamFusion: mode must be one of {self.modes}, got {mode!r}')
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == 'concat':
            return x
        a, b = torch.chunk(x, 2, dim=-1)
        if self.mode == 'add':
            return a + b
        if self.mode == 'max':
            return torch.maximum(a, b)
        if self.mode == 'min':
            return torch.minimum(a, b)
        return (a + b) / 2


@MODELS.register_module()
class RevVisionTransformer(BaseBackbone):
    """Reversible Vision Transformer backbone.

    Args:
        arch: a name of ``arch_settings`` ('small', 'base', 'large', 'huge', 'deit-tiny',
            'deit-small', 'deit-base') or a dict with embed_dims, num_layers, num_heads,
            feedforward_channels.
        img_size / patch_size / in_channels: patch embedding; other input sizes interpolate the
            position embedding.
        out_indices: only the last layer (-1) is supported: intermediate outputs of the
            reversible stack are never materialised.
        drop_rate / drop_path_rate: dropout and stochastic depth (linear over layers).
        qkv_bias / norm_cfg: attention bias and norm layers.
        final_norm: apply ``ln1`` (over both streams) after the last layer.
        avg_token: output the mean patch token (B, C) instead of the (B, C, H, W) map.
        with_cls_token / output_cls_token: only False (accepted for MMClassification 1.x
            configs): ``cls_token`` and its slot in ``pos_embed`` exist for the checkpoint
            layout, but the reversible layers carry patch tokens only.
        frozen_stages: freeze the embeddings and the first N layers.
        interpolate_mode: position-embedding interpolation.
        layer_cfgs: per-layer overrides.
        fusion_mode: how the two streams are fused ('concat' doubles the width).
        no_custom_backward: train with ordinary autograd (stores activations).
    """
    arch_zoo = arch_settings
    num_extra_tokens = 1  # the (unused) class token keeps a slot in the position embedding

    def __init__(self,
                 arch: Union[str, dict] = 'base',
                 img_size: int = 224,
                 patch_size: int = 16,
                 in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = -1,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 qkv_bias: bool = True,
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 final_norm: bool = True,
                 with_cls_token: bool = False,
                 avg_token: bool = True,
                 frozen_stages: int = -1,
                 output_cls_token: bool = False,
                 interpolate_mode: str = 'bicubic',
                 patch_cfg: dict = dict(),
                 layer_cfgs: Union[dict, Sequence[dict]] = dict(),
                 fusion_mode: str = 'concat',
                 no_custom_backward: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if with_cls_token or output_cls_token:
            raise ValueError('RevVisionTransformer: with_cls_token and output_cls_token must be '
                             'False (the reversible layers carry patch tokens only)')
        self.with_cls_token = self.output_cls_token = False
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'RevVisionTransformer')
        self.embed_dims = self.arch_settings['embed_dims']
        self.num_layers = self.arch_settings['num_layers']
        self.img_size = to_2tuple(img_size)
        self.no_custom_backward = no_custom_backward

        self.patch_embed = build_patch_embed(in_channels, img_size, self.embed_dims, patch_size,
                                             patch_cfg)
        self.patch_resolution = self.patch_embed.init_out_size
        num_patches = self.patch_resolution[0] * self.patch_resolution[1]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        self.interpolate_mode = interpolate_mode
        self.pos_embed = nn.Parameter(
            torch.zeros(1, num_patches + self.num_extra_tokens, self.embed_dims))
        register_pos_embed_resizing(self, 'pos_embed', self.num_extra_tokens)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        self.out_indices = normalize_out_indices(out_indices, self.num_layers,
                                                 'RevVisionTransformer')
        if self.out_indices != (self.num_layers - 1, ):
            raise ValueError('RevVisionTransformer: only the last layer can be output '
                             f'(out_indices=-1), got {out_indices!r}')
        if isinstance(layer_cfgs, dict):
            layer_cfgs = [deepcopy(layer_cfgs) for _ in range(self.num_layers)]
        layer_cfgs = [{'layer_id': i, **cfg} for i, cfg in enumerate(layer_cfgs)]
        self.layers = build_layers(RevTransformerEncoderLayer, self.num_layers, drop_path_rate,
                                   layer_cfgs, embed_dims=self.embed_dims,
                                   num_heads=self.arch_settings['num_heads'],
                                   feedforward_channels=self.arch_settings['feedforward_channels'],
                                   drop_rate=drop_rate, qkv_bias=qkv_bias, norm_cfg=norm_cfg)
        self.fusion_layer = TwoStreamFusion(fusion_mode)
        self.final_norm = final_norm
        if final_norm:
            self.ln1 = build_norm_layer(norm_cfg, self.embed_dims * 2)[1]
        self.avg_token = avg_token
        self.frozen_stages = frozen_stages
        self._apply_frozen_stages()

    # the position-embedding resizer, at the place older code calls it from
    resize_pos_embed = staticmethod(resize_pos_embed)

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages <= 0:
            return []
        modules = [self.drop_after_pos, self.patch_embed, *self.layers[:self.frozen_stages]]
        # unlike ViT, ``ln1`` freezes only when frozen_stages is exactly the number of layers
        if self.frozen_stages == self.num_layers and self.final_norm:
            modules.append(self.ln1)
        return modules

    def _frozen_params(self) -> List[nn.Parameter]:
        return [self.pos_embed] if self.frozen_stages > 0 else []

    def init_weights(self) -> None:
        super().init_weights()
        init_token_params(self, self.pos_embed)

    def forward(self, x: torch.Tensor) -> tuple:
        B = x.shape[0]
        x, patch_resolution = self.patch_embed(x)
        pos_embed = resize_pos_embed(self.pos_embed, self.patch_resolution, patch_resolution,
                                     self.interpolate_mode, self.num_extra_tokens)
        x = self.drop_after_pos(x + pos_embed[:, self.num_extra_tokens:])
        x = torch.cat([x, x], dim=-1)
        if self.training and not self.no_custom_backward and torch.is_grad_enabled():
            x = RevBackProp.apply(x, self.layers)
        else:
            x1, x2 = torch.chunk(x, 2, dim=-1)
            for layer in self.layers:
                x1, x2 = layer(x1, x2)
            x = torch.cat([x1, x2], dim=-1)
        if self.final_norm:
            x = self.ln1(x)
        x = self.fusion_layer(x)
        if self.avg_token:
            return (x.mean(dim=1), )
        return (x.transpose(1, 2).reshape(B, -1, *patch_resolution), )


__all__ = ['RevVisionTransformer']
