"""Patch merging with the norm after the reduction (Swin Transformer V2's res-post-norm design)."""
from typing import Optional, Tuple

import torch

from .embed import PatchMerging
from .norm import build_norm_layer


class PostNormPatchMerging(PatchMerging):
    """:class:`PatchMerging` that normalises the merged ``out_channels`` tokens after ``reduction``.

    Same arguments and state-dict names (``sampler``, ``reduction``, ``norm``) as PatchMerging;
    only the norm's width (``out_channels``) and its place differ.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 norm_cfg: Optional[dict] = dict(type='LN'), **kwargs) -> None:
        super().__init__(in_channels, out_channels, norm_cfg=None, **kwargs)
        # registered after ``reduction``, so the state dict lists it in the reference order
        if norm_cfg is not None:
            self.norm = build_norm_layer(norm_cfg, out_channels)[1]

    def forward(self, x: torch.Tensor,
                input_size: Tuple[int, int]) -> Tuple[torch.Tensor, Tuple[int, int]]:
        batch, length, channels = x.shape
        height, width = input_size
        if length != height * width:
            raise ValueError(f'PostNormPatchMerging got {length} tokens for input size '
                             f'{input_size}')
        x = x.view(batch, height, width, channels).permute(0, 3, 1, 2)
        if self.adaptive_padding is not None:
            x = self.adaptive_padding(x)
        out_size = tuple((size + 2 * p - d * (k - 1) - 1) // s + 1 for size, k, s, p, d in zip(
            x.shape[-2:], self.kernel_size, self.stride, self.padding, self.dilation))
        x = self.reduction(self.sampler(x).transpose(1, 2))
        if self.norm is not None:
            x = self.norm(x)
        return x, out_size


__all__ = ['PostNormPatchMerging']
