"""Swin Transformer V2 (Liu et al. 2022): res-post-norm blocks, scaled cosine window attention and
a log-spaced continuous position bias, so windows can grow when fine-tuning at higher resolution."""
from typing import Sequence, Union

import torch

from mmcls.registry import MODELS

from ..utils.base_module import BaseModule, ModuleList
from ..utils.embed import PatchMerging
from ..utils.norm import build_norm_layer
from ..utils.window_attention import WindowMSAV2
from .swin_transformer import SwinBackboneBase, SwinBlockBase, per_block_args

# embed_dims, depths, num_heads per stage; extra_norm_every_n_layers: an extra LayerNorm after
# every n-th block (huge/giant only, 0 = none; custom arch dicts may call it
# extra_norm_every_n_blocks)
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

EXTRA_NORM_KEYS = ('extra_norm_every_n_layers', 'extra_norm_every_n_blocks')


def with_extra_norm_key(arch: Union[str, dict]) -> Union[str, dict]:
    """``arch`` with a custom dict's extra-norm period under ``extra_norm_every_n_layers``, the
    name of the zoo entries; the dict must name it by exactly one of :data:`EXTRA_NORM_KEYS`."""
    if not isinstance(arch, dict):
        return arch
    named = [key for key in EXTRA_NORM_KEYS if key in arch]
    if len(named) != 1:
        raise ValueError(f'SwinTransformerV2: a custom arch must give exactly one of '
                         f'{EXTRA_NORM_KEYS}, got {sorted(arch)}')
    arch = dict(arch)
    arch[EXTRA_NORM_KEYS[0]] = arch.pop(named[0])
    return arch


class SwinBlockV2(SwinBlockBase):
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
                 shift: bool = False, extra_norm: bool = False,
                 ffn_ratio: float = 4.,
                 drop_path: float = 0.,
                 pad_small_map: bool = False,
                 attn_cfgs: dict = dict(),
                 ffn_cfgs: dict = dict(),
                 norm_cfg: dict = dict(type='LN'),
                 with_cp: bool = False,
                 pretrained_window_size: int = 0,
                 init_cfg=None) -> None:
        super().__init__(with_cp, init_cfg)
        self.extra_norm = extra_norm
        self.attn = self.build_attn(embed_dims, num_heads, window_size, shift, drop_path,
                                    pad_small_map, attn_cfgs, window_msa=WindowMSAV2,
                                    msa_cfg=dict(pretrained_window_size=pretrained_window_size))
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = self.build_ffn(embed_dims, ffn_ratio, drop_path, ffn_cfgs, add_identity=False)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        if extra_norm:
            self.norm3 = build_norm_layer(norm_cfg, embed_dims)[1]

    def _residual(self, x: torch.Tensor, hw_shape) -> torch.Tensor:
        x = x + self.norm1(self.attn(x, hw_shape))
        x = x + self.norm2(self.ffn(x))
        return self.norm3(x) if self.extra_norm else x


class SwinBlockV2Sequence(BaseModule):
    """One Swin V2 stage: an optional post-norm patch merging ``downsample`` first (skipped when
    ``forward`` gets ``do_downsample=False``), then ``depth`` blocks alternating regular / shifted
    windows; every ``extra_norm_every_n_blocks``-th block normalises its output (0: none)."""

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
                 extra_norm_every_n_blocks: int = 0,
                 pretrained_window_size: int = 0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        drop_paths, block_cfgs = per_block_args(drop_paths, block_cfgs, depth)
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
            extra_norm = (bool(extra_norm_every_n_blocks)
                          and (i + 1) % extra_norm_every_n_blocks == 0)
            block = dict(embed_dims=self.out_channels, num_heads=num_heads,
                         window_size=window_size, shift=i % 2 == 1, drop_path=drop_paths[i],
                         with_cp=with_cp, pad_small_map=pad_small_map, extra_norm=extra_norm,
                         pretrained_window_size=pretrained_window_size)
            block.update(block_cfgs[i])
            self.blocks.append(SwinBlockV2(**block))

    def forward(self, x: torch.Tensor, in_shape, do_downsample: bool = True):
        if self.downsample is not None and do_downsample:
            x, in_shape = self.downsample(x, in_shape)
        for block in self.blocks:
            x = block(x, in_shape)
        return x, in_shape


@MODELS.register_module()
class SwinTransformerV2(SwinBackboneBase):
    """Swin Transformer V2 backbone.

    Args:
        arch: 'tiny', 'small', 'base', 'large', 'huge', 'giant' (or their initials) or a dict
            with embed_dims, depths, num_heads and the extra-norm period under exactly one of
            the names extra_norm_every_n_layers / extra_norm_every_n_blocks.
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
        self._init_arch(with_extra_norm_key(arch), out_indices, frozen_stages, norm_eval)
        self.extra_norm_every_n_layers = self.arch_settings['extra_norm_every_n_layers']
        self.extra_norm_every_n_blocks = self.extra_norm_every_n_layers
        self.window_sizes = self._per_stage(window_size, 'window_size')
        pretrained_window_sizes = self._per_stage(pretrained_window_sizes,
                                                  'pretrained_window_sizes')
        self._init_patch_embed(in_channels, img_size, patch_size, patch_cfg, drop_rate,
                               use_abs_pos_embed, interpolate_mode)
        self._register_load_state_dict_pre_hook(self._drop_computed_buffers)
        stage_args = [dict(window_size=self.window_sizes[i], downsample=i > 0, with_cp=with_cp,
                           pad_small_map=pad_small_map,
                           extra_norm_every_n_blocks=self.extra_norm_every_n_blocks,
                           pretrained_window_size=pretrained_window_sizes[i])
                      for i in range(self.num_layers)]
        # a V2 stage merges patches before its blocks: its output always follows the merging
        self._init_stages(SwinBlockV2Sequence, stage_args, stage_cfgs, drop_path_rate,
                          out_after_downsample=True, norm_cfg=norm_cfg)

    def _per_stage(self, value: Union[int, Sequence[int]], name: str) -> list:
        if isinstance(value, int):
            return [value] * self.num_layers
        if len(value) != self.num_layers:
            raise ValueError(f'{type(self).__name__}: {name} needs {self.num_layers} values '
                             f'(one per stage), got {value!r}')
        return list(value)

    def _drop_computed_buffers(self, state_dict, prefix, *args, **kwargs) -> None:
        """Keep this model's window geometry: ``relative_coords_table`` and
        ``relative_position_index`` are computed from the window sizes, so a checkpoint of another
        window must not replace them (the learned ``cpb_mlp`` transfers across windows)."""
        for key, value in self.state_dict().items():
            if key.endswith(('relative_coords_table', 'relative_position_index')) and \
                    prefix + key in state_dict:
                state_dict[prefix + key] = value


__all__ = ['SwinTransformerV2', 'SwinBlockV2', 'SwinBlockV2Sequence']
