"""Global Response Normalization (GRN), the ConvNeXt V2 channel-competition layer."""
import torch
import torch.nn as nn

from mmcls.registry import MODELS


@MODELS.register_module()
class GRN(nn.Module):
    """Scale each channel by its spatial L2 norm relative to the mean over channels.

    ``x + gamma * (x * nx) + beta`` with ``nx = ||x||_hw / mean_c(||x||_hw)`` (Woo et al., 2023).
    ``gamma`` and ``beta`` start at zero, so a fresh layer is the identity.

    Args:
        in_channels: number of channels.
        eps: added to the channel mean of the norms to avoid division by zero.
    """

    def __init__(self, in_channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.zeros(in_channels))
        self.beta = nn.Parameter(torch.zeros(in_channels))

    def forward(self, x: torch.Tensor, data_format: str = 'channel_first') -> torch.Tensor:
        """Normalise ``x``: (N, C, H, W) for ``'channel_first'``, (N, H, W, C) otherwise."""
        if data_format == 'channel_last':
            gx = torch.norm(x, p=2, dim=(1, 2), keepdim=True)
            nx = gx / (gx.mean(dim=-1, keepdim=True) + self.eps)
            return self.gamma * (x * nx) + self.beta + x
        if data_format == 'channel_first':
            gx = torch.norm(x, p=2, dim=(2, 3), keepdim=True)
            nx = gx / (gx.mean(dim=1, keepdim=True) + self.eps)
            return (self.gamma.view(1, -1, 1, 1) * (x * nx) + self.beta.view(1, -1, 1, 1) + x)
        raise ValueError(f"GRN: data_format must be 'channel_first' or 'channel_last', "
                         f'got {data_format!r}')

    def extra_repr(self) -> str:
        return f'{self.in_channels}, eps={self.eps}'


__all__ = ['GRN']
