"""Channel shuffle of ShuffleNet: interleave the channels of ``groups`` groups."""
import torch


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Reshape (N, g*c, H, W) to (N, g, c, H, W), swap g and c, and flatten back."""
    n, channels, h, w = x.size()
    if channels % groups:
        raise ValueError(f'{channels} channels cannot be split into {groups} groups')
    x = x.view(n, groups, channels // groups, h, w).transpose(1, 2).contiguous()
    return x.view(n, channels, h, w)


__all__ = ['channel_shuffle']
