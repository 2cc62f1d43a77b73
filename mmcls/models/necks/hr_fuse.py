"""HRFuseScales neck: fuse the multi-resolution outputs of HRNet into one feature map."""
from typing import Sequence

from mmcls.registry import MODELS
from ..backbones.resnet import Bottleneck, ResLayer
from ..utils.base_module import BaseModule, ModuleList
from ..utils.conv_module import ConvModule

# widths after the per-branch Bottleneck (expansion 4), from fine to coarse
_BRANCH_CHANNELS = (128, 256, 512, 1024)


@MODELS.register_module()
class HRFuseScales(BaseModule):
    """Widen each branch with a Bottleneck, then fuse coarse-ward with strided 3x3 convs.

    Args:
        in_channels: channels of the four HRNet branches.
        out_channels: channels of the fused output (a 1x1 conv at the end).
        norm_cfg: norm of the fuse convs.
        init_cfg: weight initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: int = 2048,
                 norm_cfg: dict = dict(type='BN', momentum=0.1),
                 init_cfg: dict = dict(type='Normal', layer='Linear', std=0.01)) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(_BRANCH_CHANNELS):
            raise ValueError(f'HRFuseScales needs {len(_BRANCH_CHANNELS)} in_channels, '
                             f'got {list(in_channels)}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.increase_layers = ModuleList([
            ResLayer(Bottleneck, num_blocks=1, in_channels=c_in, out_channels=c_out, stride=1)
            for c_in, c_out in zip(in_channels, _BRANCH_CHANNELS)
        ])
        self.downsample_layers = ModuleList([
            ConvModule(c_in, c_out, kernel_size=3, stride=2, padding=1, norm_cfg=norm_cfg,
                       bias=False)
            for c_in, c_out in zip(_BRANCH_CHANNELS[:-1], _BRANCH_CHANNELS[1:])
        ])
        self.final_layer = ConvModule(_BRANCH_CHANNELS[-1], out_channels, kernel_size=1,
                                      norm_cfg=norm_cfg, bias=False)

    def forward(self, x: tuple) -> tuple:
        if not isinstance(x, tuple) or len(x) != len(self.in_channels):
            raise TypeError(f'HRFuseScales expects a tuple of {len(self.in_channels)} feature '
                            f'maps, got {type(x).__name__}')
        feat = self.increase_layers[0](x[0])
        for i, down in enumerate(self.downsample_layers):
            feat = down(feat) + self.increase_layers[i + 1](x[i + 1])
        return (self.final_layer(feat), )


__all__ = ['HRFuseScales']
