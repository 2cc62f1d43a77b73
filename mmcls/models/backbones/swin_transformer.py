"""Swin Transformer (Liu et al. 2021): shifted-window attention in a 4-stage pyramid."""
from copy import deepcopy
from typing import Sequence, Union

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule, ModuleList
from ..utils.embed import PatchEmbed, PatchMerging, resize_pos_embed
from ..utils.ffn import FFN
from ..utils.norm import build_norm_layer
from ..utils.weight_init import has_pretrained_init, trunc_normal_
from ..utils.window_attention import ShiftWindowMSA, resize_relative_position_bias_table
from .base_backbone import BaseBackbone, freeze_module, normalize_out_indices, set_batchnorm_eval
from .vision_transformer import resolve_arch

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


class SwinBlock(BaseModule):
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
        super().__init__(init_cfg)
        self.with_cp = with_cp
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        attn = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                    shift_size=window_size // 2 if shift else 0,
                    dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                    pad_small_map=pad_small_map)
        attn.update(attn_cfgs)
        self.attn = ShiftWindowMSA(**attn)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        ffn = dict(embed_dims=embed_dims, feedforward_channels=int(embed_dims * ffn_ratio),
                   num_fcs=2, ffn_drop=0, dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                   act_cfg=dict(type='GELU'))
        ffn.update(ffn_cfgs)
        self.ffn = FFN(**ffn)

    def forward(self, x: torch.Tensor, hw_shape) -> torch.Tensor:
        def inner(x: torch.Tensor) -> torch.Tensor:
            x = x + self.attn(self.norm1(x), hw_shape)
            return self.ffn(self.norm2(x), identity=x)

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(inner, x, use_reentrant=False)
        return inner(x)


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
        if not isinstance(drop_paths, Sequence):
            drop_paths = [drop_paths] * depth
        if not isinstance(block_cfgs, Sequence):
            block_cfgs = [deepcopy(block_cfgs) for _ in range(depth)]
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


@MODELS.register_module()
class SwinTransformer(BaseBackbone):
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
    num_extra_tokens = 0

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
        owner = type(self).__name__
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths = self.arch_settings['depths']
        self.num_heads = self.arch_settings['num_heads']
        self.num_layers = len(self.depths)
        self.out_indices = normalize_out_indices(out_indices, self.num_layers, owner)
        self.out_after_downsample = out_after_downsample
        self.use_abs_pos_embed = use_abs_pos_embed
        self.interpolate_mode = interpolate_mode
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        patch = dict(in_channels=in_channels, input_size=img_size, embed_dims=self.embed_dims,
                     conv_type='Conv2d', kernel_size=patch_size, stride=patch_size,
                     norm_cfg=dict(type='LN'))
        patch.update(patch_cfg)
        self.patch_embed = PatchEmbed(**patch)
        self.patch_resolution = self.patch_embed.init_out_size
        if use_abs_pos_embed:
            num_patches = self.patch_resolution[0] * self.patch_resolution[1]
            self.absolute_pos_embed = nn.Parameter(torch.zeros(1, num_patches, self.embed_dims))
            self._register_load_state_dict_pre_hook(self._prepare_abs_pos_embed)
        self._register_load_state_dict_pre_hook(self._prepare_relative_position_bias_table)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        total_depth = sum(self.depths)
        dpr = torch.linspace(0, drop_path_rate, total_depth).tolist()
        self.stages = ModuleList()
        dims = [self.embed_dims]
        for i, (depth, num_heads) in enumerate(zip(self.depths, self.num_heads)):
            stage_cfg = stage_cfgs[i] if isinstance(stage_cfgs, Sequence) else deepcopy(stage_cfgs)
            stage = dict(embed_dims=dims[-1], depth=depth, num_heads=num_heads,
                         window_size=window_size, downsample=i < self.num_layers - 1,
                         drop_paths=dpr[:depth], with_cp=with_cp, pad_small_map=pad_small_map)
            stage.update(stage_cfg)
            self.stages.append(SwinBlockSequence(**stage))
            dpr = dpr[depth:]
            dims.append(self.stages[-1].out_channels)

        if out_after_downsample:
            self.num_features = dims[1:]
        else:
            self.num_features = dims[:-1]
        for i in self.out_indices:
            norm = (build_norm_layer(norm_cfg, self.num_features[i])[1]
                    if norm_cfg is not None else nn.Identity())
            self.add_module(f'norm{i}', norm)
        if frozen_stages >= 0:
            self._freeze_stages()

    def init_weights(self) -> None:
        super().init_weights()
        if self.use_abs_pos_embed and not has_pretrained_init(self.init_cfg):
            trunc_normal_(self.absolute_pos_embed, std=0.02)

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

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            freeze_module(self.patch_embed)
            self.drop_after_pos.eval()
            if self.use_abs_pos_embed:
                self.absolute_pos_embed.requires_grad = False
        for i in range(min(self.frozen_stages, self.num_layers)):
            freeze_module(self.stages[i])
            if i in self.out_indices:
                freeze_module(getattr(self, f'norm{i}'))

    def train(self, mode: bool = True) -> 'SwinTransformer':
        super().train(mode)
        if mode:
            self._freeze_stages()
            if self.norm_eval:
                set_batchnorm_eval(self)
        return self

    def _prepare_abs_pos_embed(self, state_dict, prefix, *args, **kwargs) -> None:
        """Resize a checkpoint's absolute position embedding to this model's patch grid."""
        key = prefix + 'absolute_pos_embed'
        if key not in state_dict or state_dict[key].shape == self.absolute_pos_embed.shape:
            return
        ckpt = state_dict[key]
        side = int(ckpt.shape[1]**0.5)
        if side * side != ckpt.shape[1]:
            raise ValueError(f'cannot resize {key} of shape {tuple(ckpt.shape)}: not a square grid')
        state_dict[key] = resize_pos_embed(ckpt, (side, side), self.patch_resolution,
                                           self.interpolate_mode, self.num_extra_tokens)

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


__all__ = ['SwinTransformer', 'SwinBlock', 'SwinBlockSequence']
