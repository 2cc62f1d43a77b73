"""Feed-forward network of transformer blocks, with MMCV's layer names (``layers.0.0``, ``layers.1``)."""
from typing import Optional

import torch
import torch.nn as nn

from .activation import build_activation_layer
from .base_module import BaseModule
from .drop import build_dropout
from .layer_scale import LayerScale


def init_linears_xavier(module: nn.Module) -> None:
    """Xavier-uniform weights and N(0, 1e-6) biases for every ``nn.Linear`` of ``module`` (the
    ViT / MLP-Mixer initialisation of their MLPs)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.normal_(m.bias, std=1e-6)


class FFN(BaseModule):
    """``num_fcs`` linear layers with activations, dropout, optional layer scale and residual.

    Args:
        embed_dims: input and output width.
        feedforward_channels: hidden width.
        add_identity: add the input (or ``identity``) to the output.
        layer_scale_init_value: > 0 adds ``gamma2`` (LayerScale) on the branch.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 feedforward_channels: int = 1024,
                 num_fcs: int = 2,
                 act_cfg: dict = dict(type='ReLU', inplace=True),
                 ffn_drop: float = 0.,
                 dropout_layer: Optional[dict] = None,
                 add_identity: bool = True,
                 layer_scale_init_value: float = 0.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if num_fcs < 2:
            raise ValueError(f'num_fcs must be at least 2, got {num_fcs}')
        self.embed_dims = embed_dims
        self.feedforward_channels = feedforward_channels
        self.num_fcs = num_fcs
        layers = []
        in_channels = embed_dims
        for _ in range(num_fcs - 1):
            layers.append(nn.Sequential(nn.Linear(in_channels, feedforward_channels),
                                        build_activation_layer(act_cfg), nn.Dropout(ffn_drop)))
            in_channels = feedforward_channels
        layers.append(nn.Linear(feedforward_channels, embed_dims))
        layers.append(nn.Dropout(ffn_drop))
        self.layers = nn.Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer)
        self.add_identity = add_identity
        self.gamma2 = (LayerScale(embed_dims, scale=layer_scale_init_value)
                       if layer_scale_init_value > 0 else nn.Identity())

    def forward(self, x: torch.Tensor, identity: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.gamma2(self.layers(x))
        if not self.add_identity:
            return self.dropout_layer(out)
        if identity is None:
            identity = x
        return identity + self.dropout_layer(out)


__all__ = ['FFN', 'init_linears_xavier']
