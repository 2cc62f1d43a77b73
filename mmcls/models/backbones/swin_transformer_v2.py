"""Swin Transformer V2 (Liu et al. 2022): res-post-norm blocks, scaled cosine window attention and
a log-spaced continuous position bias, so windows can grow when fine-tuning at higher resolution."""
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
from ..utils.window_attention import ShiftWindowMSA, WindowMSAV2
from .base_backbone import BaseBackbone, freeze_module, normalize_out_indices, set_batchnorm_eval
from .vision_transformer import resolve_arch

# embed_dims, depths, num_heads per stage; extra_norm_every_n_layers: an extra LayerNorm after
# every n-th block (huge/giant only, 0 = none)
arch_settings = {
    **dict.fromkeys(['t', 'tiny'], dict(embed_dims=96, depths=[2, 2, 6, 2],
                                        num_heads=[3, 6, 12, 24], extra_norm_every_n_layers=0)),
    **dict.fromkeys(['s', 'small'], dict(embed_dims=96, depths=[2, 2, 18, 2],
                                         num_heads=[3, 6, 12, 24], extra_norm_every_n_layers=0)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=128, depths=[2, 2, 18, 2],
                                        num_heads=[4, 8, 16, 32], extra_norm_every_n_layers=0)),
    **dict.fromkeys(['l', 'large'], dict(embed_dims=192, depths=[2, 2, 18, 2],
                                         num_heads=[6, 12, 24, 48], extra_norm_every_n_layers=0)),
    **dict.fromkeys(['h', 'huge'], dict(embed_dims=352, depths=[2, 2, 18, 2],
                                        num_heads=[11, 22, 44, 88], extra_norm_every_n_layers=6)),
    **dict.fromkeys(['g', 'giant'], dict(embed_dims=512, depths=[2, 2, 42, 4],
                                         num_heads=[16, 32, 64, 128], extra_norm_every_n_layers=6)),
}


class SwinBlockV2(BaseModule):
    """Res-post-norm Swin V2 block: ``x + norm1(attn(x))`` then ``x + norm2(FFN(x))``.

    Args:
        embed_dims / num_heads / window_size / shift / ffn_ratio / drop_path / pad_small_map:
            as :class:`~mmcls.models.backbones.swin_transformer.SwinBlock`.
        extra_norm: apply ``norm3`` to the block output (huge/giant, every n-th block).
        pretrained_window_size: window of pre-training, used to normalise the position bias
            coordinates (0: this block's window).
        with_cp: gradient checkpointing.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 window_size: int = 8,
                 shift: bool = False,
                 ffn_ratio: float = 4.,
                 drop_path: float = 0.,
                 pad_small_map: bool = False,
                 attn_cfgs: dict = dict(),
                 ffn_cfgs: dict = dict(),
                 norm_cfg: dict = dict(type='LN'),
                 with_cp: bool = False,
                 extra_norm: bool = False,
                 pretrained_window_size: int = 0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.with_cp = with_cp
        self.extra_norm = extra_norm
        attn = dict(embed_dims=embed_dims, num_heads=num_heads, window_size=window_size,
                    shift_size=window_size // 2 if shift else 0,
                    dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                    pad_small_map=pad_small_map)
        attn.update(attn_cfgs)
        attn.update(window_msa=WindowMSAV2,
                    msa_cfg=dict(pretrained_window_size=pretrained_window_size))
        self.attn = ShiftWindowMSA(**attn)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        ffn = dict(embed_dims=embed_dims, feedforward_channels=int(embed_dims * ffn_ratio),
                   num_fcs=2, ffn_drop=0, dropout_layer=dict(type='DropPath', drop_prob=drop_path),
                   act_cfg=dict(type='GELU'), add_identity=False)
        ffn.update(ffn_cfgs)
        self.ffn = FFN(**ffn)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        if extra_norm:
            self.norm3 = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor, hw_shape) -> torch.Tensor:
        def inner(x: torch.Tensor) -> torch.Tensor:
            x = x + self.norm1(self.attn(x, hw_shape))
            x = x + self.norm2(self.ffn(x))
            return self.norm3(x) if self.extra_norm else x

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(inner, x, use_reentrant=False)
        return inner(x)


class SwinBlockV2Sequence(BaseModule):
    """One Swin V2 stage: an optional post-norm patch merging ``downsample`` first, then ``depth``
    blocks alternating regular / shifted windows."""

    def __init__(self,
                 embed_dims: int,
                 depth: int,
                 num_heads: int,
                 window_size: int = 8,
                 downsample: bool = False,
                 downsample_cfg: dict = dict(),
                 drop_paths: Union[float, Sequence[float]] = 0.,
                 block_cfgs: Union[dict, Sequence[dict]] = dict(),
                 with_cp: bool = False,
                 pad_small_map: bool = False,
                 extra_norm_every_n_layers: int = 0,
                 pretrained_window_size: int = 0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if not isinstance(drop_paths, Sequence):
            drop_paths = [drop_paths] * depth
        if not isinstance(block_cfgs, Sequence):
            block_cfgs = [deepcopy(block_cfgs) for _ in range(depth)]
        if downsample:
            self.out_channels = 2 * embed_dims
            merge = dict(in_channels=embed_dims, out_channels=self.out_channels,
                         norm_cfg=dict(type='LN'))
            merge.update(downsample_cfg)
            self.downsample = PatchMerging(**merge, use_post_norm=True)
        else:
            self.out_channels = embed_dims
            self.downsample = None
        self.blocks = ModuleList()
        for i in range(depth):
            extra_norm = (bool(extra_norm_every_n_layers)
                          and (i + 1) % extra_norm_every_n_layers == 0)
            block = dict(embed_dims=self.out_channels, num_heads=num_heads,
                         window_size=window_size, shift=i % 2 == 1, drop_path=drop_paths[i],
                         with_cp=with_cp, pad_small_map=pad_small_map, extra_norm=extra_norm,
                         pretrained_window_size=pretrained_window_size)
            block.update(block_cfgs[i])
            self.blocks.append(SwinBlockV2(**block))

    def forward(self, x: torch.Tensor, in_shape):
        if self.downsample is not None:
            x, in_shape = self.downsample(x, in_shape)
        for block in self.blocks:
            x = block(x, in_shape)
        return x, in_shape


@MODELS.register_module()
class SwinTransformerV2(BaseBackbone):
    """Swin Transformer V2 backbone.

    Args:
        arch: 'tiny', 'small', 'base', 'large', 'huge', 'giant' (or their initials) or a dict
            with embed_dims, depths, num_heads, extra_norm_every_n_layers.
        img_size / patch_size: training resolution and patch size (4).
        window_size: one window for all stages or one per stage (e.g. ``[16, 16, 16, 8]``).
        pretrained_window_sizes: per-stage window of the pre-trained model (0: none).
        out_indices: stages whose normalised map (``norm{i}``) is returned.
        use_abs_pos_embed / interpolate_mode: learned absolute position embedding (resized for
            other input sizes).
        pad_small_map / with_cp / frozen_stages / norm_eval / stage_cfgs / patch_cfg: as
            :class:`~mmcls.models.backbones.swin_transformer.SwinTransformer`.
    """
    arch_zoo = arch_settings
    num_extra_tokens = 0

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 img_size: Union[int, Sequence[int]] = 256,
                 patch_size: int = 4,
                 in_channels: int = 3,
                 window_size: Union[int, Sequence[int]] = 8,
                 drop_rate: float = 0.,
                 drop_path_rate: float = 0.1,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 use_abs_pos_embed: bool = False,
                 interpolate_mode: str = 'bicubic',
                 with_cp: bool = False,
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 pad_small_map: bool = False,
                 norm_cfg: dict = dict(type='LN'),
                 stage_cfgs: Union[dict, Sequence[dict]] = dict(),
                 patch_cfg: dict = dict(),
                 pretrained_window_sizes: Sequence[int] = (0, 0, 0, 0),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        owner = type(self).__name__
        self.arch_settings = resolve_arch(arch, self.arch_zoo, owner)
        self.embed_dims = self.arch_settings['embed_dims']
        self.depths = self.arch_settings['depths']
        self.num_heads = self.arch_settings['num_heads']
        self.extra_norm_every_n_layers = self.arch_settings['extra_norm_every_n_layers']
        self.num_layers = len(self.depths)
        self.out_indices = normalize_out_indices(out_indices, self.num_layers, owner)
        self.use_abs_pos_embed = use_abs_pos_embed
        self.interpolate_mode = interpolate_mode
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.window_sizes = self._per_stage(window_size, 'window_size')
        pretrained_window_sizes = self._per_stage(pretrained_window_sizes,
                                                  'pretrained_window_sizes')

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
        self._register_load_state_dict_pre_hook(self._drop_computed_buffers)
        self.drop_after_pos = nn.Dropout(p=drop_rate)

        dpr = torch.linspace(0, drop_path_rate, sum(self.depths)).tolist()
        self.stages = ModuleList()
        dims = [self.embed_dims]
        for i, (depth, num_heads) in enumerate(zip(self.depths, self.num_heads)):
            stage_cfg = stage_cfgs[i] if isinstance(stage_cfgs, Sequence) else deepcopy(stage_cfgs)
            stage = dict(embed_dims=dims[-1], depth=depth, num_heads=num_heads,
                         window_size=self.window_sizes[i], downsample=i > 0,
                         drop_paths=dpr[:depth], with_cp=with_cp, pad_small_map=pad_small_map,
                         extra_norm_every_n_layers=self.extra_norm_every_n_layers,
                         pretrained_window_size=pretrained_window_sizes[i])
            stage.update(stage_cfg)
            self.stages.append(SwinBlockV2Sequence(**stage))
            dpr = dpr[depth:]
            dims.append(self.stages[-1].out_channels)
        self.num_features = dims[1:]
        for i in self.out_indices:
            norm = (build_norm_layer(norm_cfg, self.num_features[i])[1]
                    if norm_cfg is not None else nn.Identity())
            self.add_module(f'norm{i}', norm)
        if frozen_stages >= 0:
            self._freeze_stages()

    def _per_stage(self, value: Union[int, Sequence[int]], name: str) -> list:
        if isinstance(value, int):
            return [value] * self.num_layers
        if len(value) != self.num_layers:
            raise ValueError(f'{type(self).__name__}: {name} needs {self.num_layers} values '
                             f'(one per stage), got {value!r}')
        return list(value)

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
            x, hw_shape = stage(x, hw_shape)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(x)
                outs.append(out.view(-1, *hw_shape, stage.out_channels).permute(0, 3, 1, 2)
                            .contiguous())
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

    def train(self, mode: bool = True) -> 'SwinTransformerV2':
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

    def _drop_computed_buffers(self, state_dict, prefix, *args, **kwargs) -> None:
        """Keep this model's window geometry: ``relative_coords_table`` and
        ``relative_position_index`` are computed from the window sizes, so a checkpoint of another
        window must not replace them (the learned ``cpb_mlp`` transfers across windows)."""
        for key, value in self.state_dict().items():
            if key.endswith(('relative_coords_table', 'relative_position_index')) and \
                    prefix + key in state_dict:
                state_dict[prefix + key] = value


__all__ = ['SwinTransformerV2', 'SwinBlockV2', 'SwinBlockV2Sequence']
