"""Conformer (Peng et al. 2021): a ResNet-like CNN branch and a ViT branch coupled at every block.

Each block passes the CNN's middle feature map down to transformer tokens (FCUDown: 1x1 conv,
average pooling, LN) and the transformer output back up to a feature map (FCUUp: 1x1 conv, BN,
nearest up-sampling) that is added inside the next CNN (fusion) block.  The backbone returns, for
each selected block, ``[pooled CNN feature (B, C), class token (B, D)]``.
"""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmcls.registry import MODELS

from ..utils.activation import build_activation_layer
from ..utils.base_module import BaseModule
from ..utils.drop import DropPath
from ..utils.embed import AdaptivePadding
from ..utils.norm import build_norm_layer
from ..utils.weight_init import has_pretrained_init, trunc_normal_
from .base_backbone import BaseBackbone
from .base_backbone import resolve_arch
from .vision_transformer import TransformerEncoderLayer

arch_settings = {
    **dict.fromkeys(['t', 'tiny'], dict(embed_dims=384, channel_ratio=1, num_heads=6,
                                        depths=12)),
    **dict.fromkeys(['s', 'small'], dict(embed_dims=384, channel_ratio=4, num_heads=6,
                                         depths=12)),
    **dict.fromkeys(['b', 'base'], dict(embed_dims=576, channel_ratio=6, num_heads=9,
                                        depths=12)),
}


class ConvBlock(BaseModule):
    """Bottleneck (1x1 -> 3x3 -> 1x1, expansion 4) that can add a fusion map before its 3x3 conv
    and also return the 3x3 conv's activation."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, groups: int = 1,
                 drop_path_rate: float = 0., with_residual_conv: bool = False,
                 norm_cfg: dict = dict(type='BN', eps=1e-6),
                 act_cfg: dict = dict(type='ReLU', inplace=True), init_cfg=None) -> None:
        super().__init__(init_cfg)
        mid_channels = out_channels // 4
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 1, bias=False)
        self.bn1 = build_norm_layer(norm_cfg, mid_channels)[1]
        self.act1 = build_activation_layer(act_cfg)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, stride=stride, groups=groups,
                               padding=1, bias=False)
        self.bn2 = build_norm_layer(norm_cfg, mid_channels)[1]
        self.act2 = build_activation_layer(act_cfg)
        self.conv3 = nn.Conv2d(mid_channels, out_channels, 1, bias=False)
        self.bn3 = build_norm_layer(norm_cfg, out_channels)[1]
        self.act3 = build_activation_layer(act_cfg)
        self.with_residual_conv = with_residual_conv
        if with_residual_conv:
            self.residual_conv = nn.Conv2d(in_channels, out_channels, 1, stride=stride,
                                           bias=False)
            self.residual_bn = build_norm_layer(norm_cfg, out_channels)[1]
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

    def zero_init_last_bn(self) -> None:
        nn.init.zeros_(self.bn3.weight)

    def forward(self, x: torch.Tensor, fusion_features: Optional[torch.Tensor] = None,
                out_conv2: bool = True) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        identity = x
        out = self.act1(self.bn1(self.conv1(x)))
        if fusion_features is not None:
            out = out + fusion_features
        x2 = self.act2(self.bn2(self.conv2(out)))
        out = self.drop_path(self.bn3(self.conv3(x2)))
        if self.with_residual_conv:
            identity = self.residual_bn(self.residual_conv(identity))
        out = self.act3(out + identity)
        return (out, x2) if out_conv2 else out


class FCUDown(BaseModule):
    """CNN map -> transformer tokens: 1x1 conv, average pooling, LN, GELU (+ class token)."""

    def __init__(self, in_channels: int, out_channels: int, down_stride: int,
                 with_cls_token: bool = True, norm_cfg: dict = dict(type='LN', eps=1e-6),
                 act_cfg: dict = dict(type='GELU'), init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.with_cls_token = with_cls_token
        self.conv_project = nn.Conv2d(in_channels, out_channels, 1)
        self.sample_pooling = nn.AvgPool2d(kernel_size=down_stride, stride=down_stride)
        self.ln = build_norm_layer(norm_cfg, out_channels)[1]
        self.act = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        x = self.sample_pooling(self.conv_project(x)).flatten(2).transpose(1, 2)
        x = self.act(self.ln(x))
        if self.with_cls_token:
            x = torch.cat([x_t[:, :1], x], dim=1)
        return x


class FCUUp(BaseModule):
    """Transformer tokens -> CNN map: 1x1 conv, BN, ReLU, nearest up-sampling by ``up_stride``."""

    def __init__(self, in_channels: int, out_channels: int, up_stride: int,
                 with_cls_token: bool = True, norm_cfg: dict = dict(type='BN', eps=1e-6),
                 act_cfg: dict = dict(type='ReLU', inplace=True), init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.up_stride = up_stride
        self.with_cls_token = with_cls_token
        self.conv_project = nn.Conv2d(in_channels, out_channels, 1)
        self.bn = build_norm_layer(norm_cfg, out_channels)[1]
        self.act = build_activation_layer(act_cfg)

    def forward(self, x: torch.Tensor, height: int, width: int) -> torch.Tensor:
        if self.with_cls_token:
            x = x[:, 1:]
        x = x.transpose(1, 2).reshape(x.shape[0], -1, height, width)
        x = self.act(self.bn(self.conv_project(x)))
        return F.interpolate(x, size=(height * self.up_stride, width * self.up_stride))


class ConvTransBlock(BaseModule):
    """One Conformer block: CNN bottleneck, FCUDown, transformer layer, FCUUp, fusion bottleneck.

    ``last_fusion`` makes the fusion bottleneck stride 2 (the model's last block).
    """

    def __init__(self, in_channels: int, out_channels: int, embed_dims: int,
                 conv_stride: int = 1, groups: int = 1, with_residual_conv: bool = False,
                 down_stride: int = 4, num_heads: int = 12, mlp_ratio: float = 4.,
                 qkv_bias: bool = False, with_cls_token: bool = True, drop_rate: float = 0.,
                 attn_drop_rate: float = 0., drop_path_rate: float = 0.,
                 last_fusion: bool = False, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.cnn_block = ConvBlock(in_channels, out_channels, stride=conv_stride, groups=groups,
                                   with_residual_conv=with_residual_conv)
        self.fusion_block = ConvBlock(out_channels, out_channels, stride=2 if last_fusion else 1,
                                      groups=groups, drop_path_rate=drop_path_rate,
                                      with_residual_conv=last_fusion)
        self.squeeze_block = FCUDown(out_channels // 4, embed_dims, down_stride,
                                     with_cls_token=with_cls_token)
        self.expand_block = FCUUp(embed_dims, out_channels // 4, down_stride,
                                  with_cls_token=with_cls_token)
        self.trans_block = TransformerEncoderLayer(
            embed_dims=embed_dims, num_heads=num_heads,
            feedforward_channels=int(embed_dims * mlp_ratio), drop_rate=drop_rate,
            drop_path_rate=drop_path_rate, attn_drop_rate=attn_drop_rate, qkv_bias=qkv_bias,
            norm_cfg=dict(type='LN', eps=1e-6))
        self.down_stride = down_stride
        self.last_fusion = last_fusion

    def forward(self, cnn_input: torch.Tensor,
                trans_input: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x, x_conv2 = self.cnn_block(cnn_input, out_conv2=True)
        height, width = x_conv2.shape[2:]
        tokens = self.squeeze_block(x_conv2, trans_input)
        trans_output = self.trans_block(tokens + trans_input)
        fusion = self.expand_block(trans_output, height // self.down_stride,
                                   width // self.down_stride)
        x = self.fusion_block(x, fusion_features=fusion, out_conv2=False)
        return x, trans_output


@MODELS.register_module()
class Conformer(BaseBackbone):
    """Conformer backbone.

    Args:
        arch: ``'tiny'``/``'small'``/``'base'`` or a dict with embed_dims, channel_ratio,
            num_heads, depths (a multiple of 3).
        patch_size: transformer patch size (a multiple of 16).
        base_channels: CNN width unit (stage widths are base * ratio * 1, 2, 4).
        out_indices: block numbers (2 .. depths; negative counts from ``depths``) whose
            ``[pooled CNN feature, class token (or mean token)]`` pair is returned.
        frozen_stages: N >= 1 freezes the stem, the first block (``conv_1``/``trans_1``) and
            blocks 2 .. N.
        norm_eval: keep batch-norm layers in eval mode during training. Off by default:
            MMClassification 1.0.0rc6 declared ``norm_eval=True`` but never applied it, so its
            Conformer recipes (trained from scratch) update their batch-norm statistics;
            applying a True default would freeze them at their initial values.
    """
    num_extra_tokens = 1
    arch_zoo = arch_settings

    def __init__(self,
                 arch: Union[str, dict] = 'tiny',
                 patch_size: int = 16,
                 base_channels: int = 64,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 with_cls_token: bool = True,
                 drop_path_rate: float = 0.,
                 norm_eval: bool = False,
                 frozen_stages: int = 0,
                 out_indices: Union[int, Sequence[int]] = -1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.arch_settings = resolve_arch(arch, self.arch_zoo, 'Conformer')
        self.num_features = self.embed_dims = self.arch_settings['embed_dims']
        self.depths = self.arch_settings['depths']
        self.num_heads = self.arch_settings['num_heads']
        self.channel_ratio = self.arch_settings['channel_ratio']
        if self.depths % 3:
            raise ValueError(f'Conformer: depths must be a multiple of 3, got {self.depths}')
        if patch_size % 16:
            raise ValueError(f'Conformer: patch_size must be a multiple of 16, got {patch_size}')
        self.out_indices = self._check_out_indices(out_indices)
        self.norm_eval = norm_eval
        self.frozen_stages = frozen_stages
        self.with_cls_token = with_cls_token
        if with_cls_token:
            self.cls_token = nn.Parameter(torch.zeros(1, 1, self.embed_dims))
        dpr = torch.linspace(0, drop_path_rate, self.depths).tolist()

        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.act1 = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        trans_down_stride = patch_size // 4
        self.auto_pad = AdaptivePadding(trans_down_stride, trans_down_stride)

        widths = [int(base_channels * self.channel_ratio * 2**s) for s in range(3)]
        self.conv_1 = ConvBlock(64, widths[0], with_residual_conv=True)
        self.trans_patch_conv = nn.Conv2d(64, self.embed_dims, kernel_size=trans_down_stride,
                                          stride=trans_down_stride)
        self.trans_1 = TransformerEncoderLayer(
            embed_dims=self.embed_dims, num_heads=self.num_heads,
            feedforward_channels=int(self.embed_dims * mlp_ratio), drop_path_rate=dpr[0],
            qkv_bias=qkv_bias, norm_cfg=dict(type='LN', eps=1e-6))

        per_stage = self.depths // 3
        in_channels = widths[0]
        for i in range(2, self.depths + 1):
            stage = (i - 1) // per_stage  # blocks 2..4 -> 0, 5..8 -> 1, 9..12 -> 2 for depth 12
            first = i == stage * per_stage + 1 and stage > 0
            self.add_module(f'conv_trans_{i}', ConvTransBlock(
                in_channels=in_channels, out_channels=widths[stage], embed_dims=self.embed_dims,
                conv_stride=2 if first else 1, with_residual_conv=first,
                down_stride=trans_down_stride // 2**stage, num_heads=self.num_heads,
                mlp_ratio=mlp_ratio, qkv_bias=qkv_bias, drop_path_rate=dpr[i - 1],
                with_cls_token=with_cls_token, last_fusion=i == self.depths))
            in_channels = widths[stage]
        self.fin_stage = self.depths + 1

        self.pooling = nn.AdaptiveAvgPool2d(1)
        self.trans_norm = nn.LayerNorm(self.embed_dims)
        if with_cls_token:
            trunc_normal_(self.cls_token, std=.02)
        self._apply_frozen_stages()

    def _check_out_indices(self, out_indices: Union[int, Sequence[int]]) -> List[int]:
        if isinstance(out_indices, int):
            out_indices = [out_indices]
        result = []
        for index in out_indices:
            block = self.depths + index + 1 if index < 0 else index
            if not 2 <= block <= self.depths:
                raise ValueError(f'Conformer: out_indices {index} is not a block number in '
                                 f'[2, {self.depths}]')
            result.append(block)
        return result

    @staticmethod
    def _init_module(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)
        elif isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1.)
            nn.init.constant_(m.bias, 0.)
        if isinstance(m, ConvBlock):
            m.zero_init_last_bn()

    def init_weights(self) -> None:
        super().init_weights()
        if has_pretrained_init(self.init_cfg):
            return
        self.apply(self._init_module)

    def _frozen_modules(self) -> List[nn.Module]:
        # frozen_stages counts blocks from 1 (the stem block): 0 freezes nothing
        if self.frozen_stages < 1:
            return []
        modules = [self.conv1, self.bn1, self.conv_1, self.trans_patch_conv, self.trans_1]
        modules += [getattr(self, f'conv_trans_{i}')
                    for i in range(2, min(self.frozen_stages, self.depths) + 1)]
        if self.frozen_stages >= self.depths:
            modules.append(self.trans_norm)
        return modules

    def _frozen_params(self) -> List[nn.Parameter]:
        return [self.cls_token] if self.frozen_stages >= 1 and self.with_cls_token else []

    def forward(self, x: torch.Tensor) -> tuple:
        batch = x.shape[0]
        x_base = self.auto_pad(self.maxpool(self.act1(self.bn1(self.conv1(x)))))
        x = self.conv_1(x_base, out_conv2=False)
        x_t = self.trans_patch_conv(x_base).flatten(2).transpose(1, 2)
        if self.with_cls_token:
            x_t = torch.cat([self.cls_token.expand(batch, -1, -1), x_t], dim=1)
        x_t = self.trans_1(x_t)

        outs = []
        for i in range(2, self.fin_stage):
            x, x_t = getattr(self, f'conv_trans_{i}')(x, x_t)
            if i in self.out_indices:
                tokens = self.trans_norm(x_t)
                trans_feat = tokens[:, 0] if self.with_cls_token else tokens.mean(dim=1)
                outs.append([self.pooling(x).flatten(1), trans_feat])
        return tuple(outs)


__all__ = ['Conformer']
