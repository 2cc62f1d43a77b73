"""LayerScale: a learnable per-channel scale on a residual branch (CaiT, DeiT III, ConvNeXt)."""
import torch
import torch.nn as nn


class LayerScale(nn.Module):
    """Multiply by a per-channel ``weight`` initialised to ``scale``.

    ``data_format`` is ``'channels_last'`` (..., C) or ``'channels_first'`` (N, C, ...).
    """

    def __init__(self, dim: int, inplace: bool = False, data_format: str = 'channels_last',
                 scale: float = 1e-5) -> None:
        super().__init__()
        if data_format not in ('channels_last', 'channels_first'):
            raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
        self.inplace = inplace
        self.data_format = data_format
        self.weight = nn.Parameter(torch.ones(dim) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight
        if self.data_format == 'channels_first':
            weight = weight.view(-1, *([1] * (x.dim() - 2)))
        return x.mul_(weight) if self.inplace else x * weight


__all__ = ['LayerScale']
