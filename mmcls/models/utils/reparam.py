"""Helpers for structural re-parameterisation (RepVGG, MobileOne, RepLKNet): fold batch norms
into convolution kernels and express identity / small-kernel branches as large kernels."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


def fuse_conv_bn(kernel: torch.Tensor, bn: nn.Module) -> Tuple[torch.Tensor, torch.Tensor]:
    """Return ``(kernel', bias')`` such that ``conv(x, kernel', bias') == bn(conv(x, kernel))``.

    ``bn`` must be a batch norm; its running statistics are used (eval semantics). For an
    identity branch, pass a kernel from ``identity_kernel``.
    """
    if not isinstance(bn, nn.modules.batchnorm._BatchNorm):
        raise TypeError(f'fuse_conv_bn needs a batch-norm layer, got {type(bn).__name__}')
    std = (bn.running_var + bn.eps).sqrt()
    scale = bn.weight / std
    return kernel * scale.reshape(-1, 1, 1, 1), bn.bias - bn.running_mean * scale


def identity_kernel(channels: int, groups: int, kernel_size: int,
                    like: torch.Tensor) -> torch.Tensor:
    """A (channels, channels // groups, k, k) kernel whose convolution is the identity map."""
    if kernel_size % 2 != 1:
        raise ValueError(f'identity_kernel needs an odd kernel_size, got {kernel_size}')
    in_per_group = channels // groups
    kernel = torch.zeros(channels, in_per_group, kernel_size, kernel_size,
                         dtype=like.dtype, device=like.device)
    centre = kernel_size // 2
    for i in range(channels):
        kernel[i, i % in_per_group, centre, centre] = 1
    return kernel


def pad_kernel_to(kernel: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Zero-pad a square kernel symmetrically to ``kernel_size`` (e.g. 1x1 -> 3x3)."""
    pad = (kernel_size - kernel.shape[-1]) // 2
    if pad < 0 or (kernel_size - kernel.shape[-1]) % 2:
        raise ValueError(f'cannot pad a {kernel.shape[-1]}x{kernel.shape[-1]} kernel to '
                         f'{kernel_size}x{kernel_size}')
    return F.pad(kernel, [pad] * 4)


def detach_parameters(module: nn.Module) -> None:
    """Detach every parameter in place once a module switched to its deploy form."""
    for param in module.parameters():
        param.detach_()


__all__ = ['fuse_conv_bn', 'identity_kernel', 'pad_kernel_to', 'detach_parameters']
