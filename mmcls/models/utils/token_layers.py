"""Stacks of token layers as the ViT-like backbones use them: building ``num_layers`` layers with
linearly rising stochastic depth, running them while collecting selected outputs, and turning
patch tokens back into a feature map."""
from copy import deepcopy
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from .base_module import BaseModule, ModuleList
from .weight_init import has_pretrained_init, trunc_normal_


def build_layers(layer_type: type, num_layers: int, drop_path_rate: float,
                 layer_cfgs: Union[dict, Sequence[dict]], **layer_args) -> ModuleList:
    """``num_layers`` layers of ``layer_type`` built from ``layer_args``.

    Stochastic depth (``drop_path_rate`` argument of each layer) rises linearly from 0 to
    ``drop_path_rate``; ``layer_cfgs`` (one dict for every layer, or one per layer) overrides
    the arguments.
    """
    dpr = torch.linspace(0, drop_path_rate, num_layers).tolist()
    if isinstance(layer_cfgs, dict):
        layer_cfgs = [deepcopy(layer_cfgs) for _ in range(num_layers)]
    layers = ModuleList()
    for i in range(num_layers):
        cfg = dict(layer_args, drop_path_rate=dpr[i])
        cfg.update(layer_cfgs[i])
        layers.append(layer_type(**cfg))
    return layers


def run_layers(layers: Sequence[nn.Module], x: torch.Tensor, out_indices: Sequence[int],
               final_norm: Optional[nn.Module], format_output: Callable[[torch.Tensor], Any],
               *layer_args) -> Tuple[torch.Tensor, list]:
    """Pass ``x`` through ``layers`` (each called with ``layer_args`` too), applying
    ``final_norm`` (if any) after the last one.

    Returns the final tokens and ``format_output(tokens)`` of every layer in ``out_indices``.
    """
    outs = []
    for i, layer in enumerate(layers):
        x = layer(x, *layer_args)
        if i == len(layers) - 1 and final_norm is not None:
            x = final_norm(x)
        if i in out_indices:
            outs.append(format_output(x))
    return x, outs


def tokens_to_map(x: torch.Tensor, patch_resolution: Sequence[int],
                  num_extra_tokens: int) -> torch.Tensor:
    """(B, extra + H*W, C) tokens -> the (B, C, H, W) map of the patch tokens."""
    batch, _, channels = x.shape
    return x[:, num_extra_tokens:].reshape(batch, *patch_resolution, channels).permute(0, 3, 1, 2)


def init_token_params(module: BaseModule, *params: Optional[nn.Parameter],
                      std: float = .02) -> None:
    """Truncated-normal initialisation of the learned tokens / position tables ``params`` of
    ``module`` (None entries are skipped), unless its ``init_cfg`` loads a pretrained checkpoint,
    which brings them."""
    if has_pretrained_init(module.init_cfg):
        return
    for param in params:
        if param is not None:
            trunc_normal_(param, std=std)


__all__ = ['build_layers', 'run_layers', 'tokens_to_map', 'init_token_params']
