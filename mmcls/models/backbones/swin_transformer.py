"""Swin Transformer (Liu et al. 2021): shifted-window attention in a 4-stage pyramid."""
from abc import ABCMeta, abstractmethod
from copy import deepcopy
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule, ModuleList
from ..utils.embed import PatchMerging, build_patch_embed, register_pos_embed_resizing, \
    resize_pos_embed
from ..utils.ffn import FFN
from ..utils.grad_checkpoint import checkpointed
from ..utils.norm import build_norm_layer
from ..utils.token_layers import init_token_params
from ..utils.window_attention import ShiftWindowMSA, resize_relative_position_bias_table
from .base_backbone import BaseBackbone, normalize_out_indices
from .base_backbone import resolve_arch

# embed_dims, depths (blocks per stage), num_heads (per stage)
arch_settings = {
    **dict.fromkeys(['t', 'tiny'], dict(embed_dims=96, depths=[2, 2, 6, 2],
                                        num_heads=[3, 6, 12, 24])),
    **dict.fromkeys(['s', 'small'], dict(embed_dims=96, depths=[2, 2, 18, 2],
                                         num_heads=[3, 6, 12, 24])),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=128, depths=[2, 2, 18, 2],
                                        num_heads=[4, 8, 16, 32])),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=192, depths=[2, 2, 18, 2],
                                         num_heads=[6, 12, 24, 48])),
}


class SwinBlockBase(BaseModule, metaclass=ABCMeta):
    """What the Swin V1 and V2 blocks share: the (shifted) window attention and FFN builders, and
    a ``forward`` that runs :meth:`_residual` with optional gradient checkpointing (``with_cp``:
    recompute the block in backward to save memory)."""

    def __init__(self, with_cp: bool = False, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.with_cp = with_cp

    @staticmethod
    def build_attn(embed_dims: int, num_heads: int, window_size: int, shift: bool,
                   drop_path: float, pad_small_map: bool, attn_cfgs: dict,
                   **fixed) -> ShiftWindowMSA:
        """Window attention, shifted by half a window when ``shift``; ``attn_cfgs`` overrides
        the arguments and ``fixed`` overrides both."""
        attn = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                    shift_size=window_size // 2 if shift else 0,
                    dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                    pad_small_map=pad_small_map)
        attn.update(attn_cfgs)
        attn.update(fixed)
        return ShiftWindowMSA(**attn)

    @staticmethod
    def build_ffn(embed_dims: int, ffn_ratio: float, drop_path: float, ffn_cfgs: dict,
                  **defaults) -> FFN:
        """The GELU FFN of ``ffn_ratio`` hidden width; ``ffn_cfgs`` overrides the arguments."""
        ffn = dict(embed_dims=embed_dims, feedforward_channels=int(embed_dims * ffn_ratio),
                   num_fcs=2, ffn_drop=0, dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                   act_cfg=dict(type='GELU'), **defaults)
        ffn.update(ffn_cfgs)
        return FFN(**ffn)

    @abstractmethod
    def _residual(self, x: torch.Tensor, hw_shape) -> torch.Tensor:
        """The block's attention and FFN branches on (B, H*W, C) tokens of an ``hw_shape`` map."""

    def forward(self, x: torch.Tensor, hw_shape) -> torch.Tensor:
        return checkpointed(self._residual, x, hw_shape, with_cp=self.with_cp)


class SwinBlock(SwinBlockBase):
    """Pre-norm Swin block: ``x + (S)W-MSA(norm1(x))`` then ``x + FFN(norm2(x))``.

    Args:
        embed_dims / num_heads / window_size: width, heads and window of the attention.
        shift: shift the windows by half a window (every second block).
        ffn_ratio: FFN hidden width relative to ``embed_dims``.
        drop_path: stochastic depth rate of both residual branches.
        pad_small_map: see :class:`ShiftWindowMSA`.
        attn_cfgs / ffn_cfgs: overrides of the attention / FFN arguments.
        with_cp: recompute the block in backward (gradient checkpointing) to save memory.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 window_size: int = 7,
                 shift: bool = False,
                 ffn_ratio: float = 4.,
                 drop_path: float = 0.,
                 pad_small_map: bool = False,
                 attn_cfgs: dict = dict(),
                 ffn_cfgs: dict = dict(),
                 norm_cfg: dict = dict(type='LN'),
                 with_cp: bool = False,
                 init_cfg=None) -> None:
        super().__init__(with_cp, init_cfg)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.attn = self.build_attn(embed_dims, num_heads, window_size, shift, drop_path,
                                    pad_small_map, attn_cfgs)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = self.build_ffn(embed_dims, ffn_ratio, drop_path, ffn_cfgs)

    def _residual(self, x: torch.Tensor, hw_shape) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), hw_shape)
        return self.ffn(self.norm2(x), identity=x)


def per_block_args(drop_paths: Union[float, Sequence[float]],
                   block_cfgs: Union[dict, Sequence[dict]], depth: int) -> Tuple[list, list]:
    """A stage's stochastic depth rates and block overrides, one per block (a single value is
    repeated ``depth`` times)."""
    if not isinstance(drop_paths, Sequence):
        drop_paths = [drop_paths] * depth
    if not isinstance(block_cfgs, Sequence):
        block_cfgs = [deepcopy(block_cfgs) for _ in range(depth)]
    return list(drop_paths), list(block_cfgs)


class SwinBlockSequence(BaseModule):
    """One Swin stage: ``depth`` blocks alternating regular / shifted windows, then an optional
    :class:`PatchMerging` ``downsample`` that halves the resolution and doubles the width."""

    def __init__(self,
                 embed_dims: int,
                 depth: int,
                 num_heads: int,
                 window_size: int = 7,
                 downsample: bool = False,
                 downsample_cfg: dict = dict(),
                 drop_paths: Union[float, Sequence[float]] = 0.,
                 block_cfgs: Union[dict, Sequence[dict]] = dict(),
                 with_cp: bool = False,
                 pad_small_map: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        drop_paths, block_cfgs = per_block_args(drop_paths, block_cfgs, depth)
        self.embed_dims = embed_dims
        self.blocks = ModuleList()
        for i in range(depth):
            block = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                         shift=i % 2 == 1, drop_path=drop_paths[i], with_cp=with_cp,
                         pad_small_map=pad_small_map)
            block.update(block_cfgs[i])
            self.blocks.append(SwinBlock(**block))
        if downsample:
            merge = dict(in_channels=embed_dims, out_channels=2 * embed_dims,
                         norm_cfg=dict(type='LN'))
            merge.update(downsample_cfg)
            self.downsample = PatchMerging(**merge)
        else:
            self.downsample = None

    @property
    def out_channels(self) -> int:
        return self.downsample.out_channels if self.downsample is not None else self.embed_dims

    def forward(self, x: torch.Tensor, in_shape, do_downsample: bool = True):
        for block in self.blocks:
            x = block(x, in_shape)
        if self.downsample is not None and do_downsample:
            x, in_shape = self.downsample(x, in_shape)
        return x, in_shape


class SwinBackboneBase(BaseBackbone):
    """The skeleton shared by the Swin V1 and V2 backbones.

    A patch embedding with an optional absolute position embedding, a pyramid of stages (each a
    ``*Sequence`` module with a ``downsample`` patch merging), a norm ``norm{i}`` per output stage,
    stage freezing and ``norm_eval``. Subclasses call :meth:`_init_arch`,
    :meth:`_init_patch_embed` and :meth:`_init_stages` in their ``__init__``.
    """
    arch_zoo: dict = {}
    num_extra_tokens = 0

    def _init_arch(self, arch: Union[str, dict], out_indices: Union[int, Sequence[int]],
                   frozen_stages: int, norm_eval: bool) -> None:
        """Resolve ``arch`` (embed_dims, depths, num_heads per stage) and check ``out_indices``."""
        owner = type(self).__name__
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths = self.arch_settings['depths']
        self.num_heads = self.arch_settings['num_heads']
        self.num_layers = len(self.depths)
        self.out_indices = normalize_out_indices(out_indices, self.num_layers, owner)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

    def _init_patch_embed(self, in_channels: int, img_size: Union[int, Sequence[int]],
                          patch_size: int, patch_cfg: dict, drop_rate: float,
                          use_abs_pos_embed: bool, interpolate_mode: str) -> None:
        """Build ``patch_embed`` (LN-normalised), the optional ``absolute_pos_embed`` with its
        checkpoint-resizing hook, and ``drop_after_pos``."""
        self.use_abs_pos_embed = use_abs_pos_embed
        self.interpolate_mode = interpolate_mode
        self.patch_embed = build_patch_embed(in_channels, img_size, self.embed_dims, patch_size,
                                             patch_cfg, norm_cfg=dict(type='LN'))
        self.patch_resolution = self.patch_embed.init_out_size
        if use_abs_pos_embed:
            num_patches = self.patch_resolution[0] * self.patch_resolution[1]
            self.absolute_pos_embed = nn.Parameter(torch.zeros(1, num_patches, self.embed_dims))
            register_pos_embed_resizing(self, 'absolute_pos_embed', self.num_extra_tokens)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

    def _init_stages(self, stage_type: type, stage_args: Sequence[dict],
                     stage_cfgs: Union[dict, Sequence[dict]], drop_path_rate: float,
                     out_after_downsample: bool, norm_cfg: Optional[dict]) -> None:
        """Build ``stages`` (``stage_type`` with ``stage_args[i]``, then ``stage_cfgs``
        overrides), the ``norm{i}`` of each output stage, and apply ``frozen_stages``.

        Stochastic depth rises linearly over all blocks. ``out_after_downsample``: a stage's
        output follows its patch merging, so ``num_features`` are the stage output widths.
        """
        self.out_after_downsample = out_after_downsample
        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = ModuleList()
        dims = [self.embed_dims]
        for i, (depth, num_heads) in enumerate(zip(self.depths, self.num_heads)):
            stage_cfg = stage_cfgs[i] if isinstance(stage_cfgs, Sequence) else deepcopy(stage_cfgs)
            stage = dict(embed_dims=dims[-1], depth=depth, num_heads=num_heads,
                         drop_paths=dpr[:depth], **stage_args[i])
            stage.update(stage_cfg)
            self.stages.append(stage_type(**stage))
            dpr = dpr[depth:]
            dims.append(self.stages[-1].out_channels)

        self.num_features = dims[1:] if out_after_downsample else dims[:-1]
        for i in self.out_indices:
            norm = (build_norm_layer(norm_cfg, self.num_features[i])[1]
                    if norm_cfg is not None else nn.Identity())
            self.add_module(f'norm{i}', norm)
        self._apply_frozen_stages()

    def init_weights(self) -> None:
        super().init_weights()
        if self.use_abs_pos_embed:
            init_token_params(self, self.absolute_pos_embed)

    def forward(self, x: torch.Tensor) -> tuple:
        x, hw_shape = self.patch_embed(x)
        if self.use_abs_pos_embed:
            x = x + resize_pos_embed(self.absolute_pos_embed, self.patch_resolution, hw_shape,
                                     self.interpolate_mode, self.num_extra_tokens)
        x = self.drop_after_pos(x)

        outs = []
        for i, stage in enumerate(self.stages):
            x, hw_shape = stage(x, hw_shape, do_downsample=self.out_after_downsample)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(x)
                outs.append(out.view(-1, *hw_shape, self.num_features[i]).permute(0, 3, 1, 2)
                            .contiguous())
            if stage.downsample is not None and not self.out_after_downsample:
                x, hw_shape = stage.downsample(x, hw_shape)
        return tuple(outs)

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        norms = [getattr(self, f'norm{i}') for i in self.out_indices if i < self.frozen_stages]
        return [self.patch_embed, self.drop_after_pos, *self.stages[:self.frozen_stages], *norms]

    def _frozen_params(self) -> List[nn.Parameter]:
        frozen = self.frozen_stages >= 0 and self.use_abs_pos_embed
        return [self.absolute_pos_embed] if frozen else []


@MODELS.register_module()
class SwinTransformer(SwinBackboneBase):
    """Swin Transformer backbone.

    Args:
        arch: 'tiny', 'small', 'base', 'large' (or t/s/b/l) or a dict with embed_dims, depths,
            num_heads.
        img_size / patch_size: training resolution and patch size (4).
        window_size: attention window (7 for 224 px models, 12 for 384 px ones).
        out_indices: stages whose normalised map (``norm{i}``) is returned.
        out_after_downsample: output a stage after its patch merging.
        use_abs_pos_embed: add a learned absolute position embedding after the patch embedding
            (interpolated for other input sizes).
        pad_small_map: allow maps smaller than a window (zero-padded).
        frozen_stages: freeze the patch embedding (>= 0) and the first N stages.
        norm_eval: keep batch-norm layers in eval mode while training.
        stage_cfgs / patch_cfg: overrides of the stage / patch-embedding arguments.
    """
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 img_size: Union[int, Sequence[int]] = 224,
                 patch_size: int = 4,
                 in_channels: int = 3,
                 window_size: int = 7,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.1,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 out_after_downsample: bool = False,
                 use_abs_pos_embed: bool = False,
                 interpolate_mode: str = 'bicubic',
                 with_cp: bool = False,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 pad_small_map: bool = False,
                 norm_cfg: dict = dict(type='LN'),
                 stage_cfgs: Union[dict, Sequence[dict]] = dict(),
                 patch_cfg: dict = dict(),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self._init_arch(arch, out_indices, frozen_stages, norm_eval)
        self._init_patch_embed(in_channels, img_size, patch_size, patch_cfg, drop_rate,
                               use_abs_pos_embed, interpolate_mode)
        self._register_load_state_dict_pre_hook(self._upgrade_old_layout)
        self._register_load_state_dict_pre_hook(self._prepare_relative_position_bias_table)
        stage_args = [dict(window_size=window_size, downsample=i < self.num_layers - 1,
                           with_cp=with_cp, pad_small_map=pad_small_map)
                      for i in range(self.num_layers)]
        self._init_stages(SwinBlockSequence, stage_args, stage_cfgs, drop_path_rate,
                          out_after_downsample, norm_cfg)

    def _upgrade_old_layout(self, state_dict, prefix, *args, **kwargs) -> None:
        """Accept checkpoints of the old layout: their last-stage norm is ``norm.*`` (it is
        ``norm{last stage}.*`` here) and they store the shifted-window ``attn_mask`` buffers,
        which are computed on the fly here."""
        old, new = prefix + 'norm.', prefix + f'norm{self.num_layers - 1}.'
        for key in [k for k in state_dict if k.startswith(old)]:
            state_dict[new + key[len(old):]] = state_dict.pop(key)
        for key in [k for k in state_dict if k.startswith(prefix) and 'attn_mask' in k]:
            del state_dict[key]

    def _prepare_relative_position_bias_table(self, state_dict, prefix, *args, **kwargs) -> None:
        """Resample checkpoint bias tables trained with another window size to this model's."""
        own = self.state_dict()
        for key, value in own.items():
            if not key.endswith('relative_position_bias_table') or prefix + key not in state_dict:
                continue
            ckpt = state_dict[prefix + key]
            if ckpt.shape == value.shape:
                continue
            src, dst = int(ckpt.shape[0]**0.5), int(value.shape[0]**0.5)
            state_dict[prefix + key] = resize_relative_position_bias_table(
                src, dst, ckpt, value.shape[1])
            index_key = prefix + key.replace('relative_position_bias_table',
                                             'relative_position_index')
            if index_key in state_dict:
                state_dict[index_key] = own[index_key[len(prefix):]]


__all__ = ['SwinTransformer', 'SwinBackboneBase', 'SwinBlock', 'SwinBlockBase', 'SwinBlockSequence',
           'per_block_args']
