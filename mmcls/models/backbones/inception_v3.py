"""Inception v3 (Szegedy et al., 2016): factorised multi-branch blocks, torchvision layout."""
import copy
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn

from mmcls.registry import MODELS
from ..utils import ConvModule
from ..utils.base_module import BaseModule
from ..utils.weight_init import initialize
from .base_backbone import BaseBackbone


class BasicConv2d(ConvModule):
    """Conv (no bias) -> BN (eps 1e-3) -> ReLU, stored as ``conv`` / ``bn``.

    Args:
        in_channels / out_channels: channels of the convolution.
        conv_cfg: the convolution layer config; ``None`` means ``nn.Conv2d``.
        init_cfg: init configs applied by ``init_weights``. ``None`` leaves the weights to
            the enclosing module's ``init_cfg`` (InceptionV3's truncated normals), which a
            default init of its own here would overwrite, as children initialise last.
        **kwargs: the convolution's ``kernel_size``, ``stride``, ``padding``, ...
    """

    def __init__(self, in_channels: int, out_channels: int, conv_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None, **kwargs) -> None:
        self.init_cfg = copy.deepcopy(init_cfg)
        super().__init__(in_channels, out_channels, bias=False, conv_cfg=conv_cfg,
                         norm_cfg=dict(type='BN', eps=0.001), act_cfg=dict(type='ReLU'),
                         **kwargs)

    def init_weights(self) -> None:
        """The ``init_cfg`` initialisation when given; otherwise the weights stay as they are."""
        if self.init_cfg:
            initialize(self, self.init_cfg)


def avg_pool_3x3() -> nn.AvgPool2d:
    return nn.AvgPool2d(kernel_size=3, stride=1, padding=1)


class InceptionA(BaseModule):
    """35x35 block: 1x1, 5x5, double 3x3 and pooled branches.

    ``conv_cfg`` is the convolution layer config of its :class:`BasicConv2d` layers
    (``None``: ``nn.Conv2d``).
    """

    def __init__(self, in_channels: int, pool_features: int, conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.branch1x1 = BasicConv2d(in_channels, 64, kernel_size=1, conv_cfg=conv_cfg)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, kernel_size=1, conv_cfg=conv_cfg)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2, conv_cfg=conv_cfg)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1, conv_cfg=conv_cfg)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1, conv_cfg=conv_cfg)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1, conv_cfg=conv_cfg)
        self.branch_pool_downsample = avg_pool_3x3()
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1, conv_cfg=conv_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = self.branch_pool(self.branch_pool_downsample(x))
        return torch.cat([self.branch1x1(x), branch5x5, branch3x3dbl, branch_pool], 1)


class InceptionB(BaseModule):
    """35x35 -> 17x17 reduction: strided 3x3, strided double 3x3 and max-pool branches.

    ``conv_cfg`` is the convolution layer config of its :class:`BasicConv2d` layers
    (``None``: ``nn.Conv2d``).
    """

    def __init__(self, in_channels: int, conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.branch3x3 = BasicConv2d(in_channels, 384, kernel_size=3, stride=2, conv_cfg=conv_cfg)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1, conv_cfg=conv_cfg)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1, conv_cfg=conv_cfg)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2, conv_cfg=conv_cfg)
        self.branch_pool = nn.MaxPool2d(kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), branch3x3dbl, self.branch_pool(x)], 1)


class InceptionC(BaseModule):
    """17x17 block with 7x7 convs factorised into 1x7 and 7x1.

    ``conv_cfg`` is the convolution layer config of its :class:`BasicConv2d` layers
    (``None``: ``nn.Conv2d``).
    """

    def __init__(self, in_channels: int, channels_7x7: int, conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, kernel_size=1, conv_cfg=conv_cfg)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1, conv_cfg=conv_cfg)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3),
                                       conv_cfg=conv_cfg)
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0),
                                       conv_cfg=conv_cfg)
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1, conv_cfg=conv_cfg)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0),
                                          conv_cfg=conv_cfg)
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3),
                                          conv_cfg=conv_cfg)
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0),
                                          conv_cfg=conv_cfg)
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3),
                                          conv_cfg=conv_cfg)
        self.branch_pool_downsample = avg_pool_3x3()
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1, conv_cfg=conv_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch7x7dbl = x
        for i in range(1, 6):
            branch7x7dbl = getattr(self, f'branch7x7dbl_{i}')(branch7x7dbl)
        branch_pool = self.branch_pool(self.branch_pool_downsample(x))
        return torch.cat([self.branch1x1(x), branch7x7, branch7x7dbl, branch_pool], 1)


class InceptionD(BaseModule):
    """17x17 -> 8x8 reduction: 1x1 + strided 3x3, 1x7/7x1 + strided 3x3, max-pool.

    ``conv_cfg`` is the convolution layer config of its :class:`BasicConv2d` layers
    (``None``: ``nn.Conv2d``).
    """

    def __init__(self, in_channels: int, conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.branch3x3_1 = BasicConv2d(in_channels, 192, kernel_size=1, conv_cfg=conv_cfg)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2, conv_cfg=conv_cfg)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, kernel_size=1, conv_cfg=conv_cfg)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3),
                                         conv_cfg=conv_cfg)
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0),
                                         conv_cfg=conv_cfg)
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2, conv_cfg=conv_cfg)
        self.branch_pool = nn.MaxPool2d(kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch3x3 = self.branch3x3_2(self.branch3x3_1(x))
        branch7x7x3 = x
        for i in range(1, 5):
            branch7x7x3 = getattr(self, f'branch7x7x3_{i}')(branch7x7x3)
        return torch.cat([branch3x3, branch7x7x3, self.branch_pool(x)], 1)


class InceptionE(BaseModule):
    """8x8 block whose 3x3 branches end in parallel 1x3 and 3x1 convs (concatenated).

    ``conv_cfg`` is the convolution layer config of its :class:`BasicConv2d` layers
    (``None``: ``nn.Conv2d``).
    """

    def __init__(self, in_channels: int, conv_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.branch1x1 = BasicConv2d(in_channels, 320, kernel_size=1, conv_cfg=conv_cfg)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, kernel_size=1, conv_cfg=conv_cfg)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1),
                                        conv_cfg=conv_cfg)
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0),
                                        conv_cfg=conv_cfg)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, kernel_size=1, conv_cfg=conv_cfg)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1, conv_cfg=conv_cfg)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1),
                                           conv_cfg=conv_cfg)
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0),
                                           conv_cfg=conv_cfg)
        self.branch_pool_downsample = avg_pool_3x3()
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1, conv_cfg=conv_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = torch.cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], 1)
        branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = torch.cat(
            [self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], 1)
        branch_pool = self.branch_pool(self.branch_pool_downsample(x))
        return torch.cat([self.branch1x1(x), branch3x3, branch3x3dbl, branch_pool], 1)


class InceptionAux(BaseModule):
    """Auxiliary classifier on the 17x17 features (training only).

    ``conv_cfg`` is the convolution layer config of its :class:`BasicConv2d` layers
    (``None``: ``nn.Conv2d``); ``init_cfg`` defaults to truncated-normal convs (std 0.01)
    and linear layer (std 0.001).
    """

    def __init__(self, in_channels: int, num_classes: int, conv_cfg: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='TruncNormal', layer='Conv2d', std=0.01),
                     dict(type='TruncNormal', layer='Linear', std=0.001)
                 ]) -> None:
        super().__init__(init_cfg)
        self.downsample = nn.AvgPool2d(kernel_size=5, stride=3)
        self.conv0 = BasicConv2d(in_channels, 128, kernel_size=1, conv_cfg=conv_cfg)
        self.conv1 = BasicConv2d(128, 768, kernel_size=5, conv_cfg=conv_cfg)
        self.gap = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(self.conv0(self.downsample(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


@MODELS.register_module()
class InceptionV3(BaseBackbone):
    """Inception v3 with its own classifier (expects 299x299 inputs).

    Args:
        num_classes: classes of the built-in ``fc`` (and of the auxiliary classifier).
        aux_logits: build the auxiliary classifier. ``forward`` always returns the pair
            ``(aux_logits, logits)``; ``aux_logits`` is ``None`` unless the classifier exists
            and the model is in training mode, and heads read the last item.
        dropout: dropout before ``fc``.
    """

    def __init__(self,
                 num_classes: int = 1000,
                 aux_logits: bool = False,
                 dropout: float = 0.5,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='TruncNormal', layer=['Conv2d', 'Linear'], std=0.1),
                     dict(type='Constant', layer='BatchNorm2d', val=1)
                 ]) -> None:
        super().__init__(init_cfg)
        self.aux_logits = aux_logits
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.AuxLogits = InceptionAux(768, num_classes) if aux_logits else None
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=dropout)
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x: torch.Tensor) -> Tuple[Optional[torch.Tensor], torch.Tensor]:
        x = self.maxpool1(self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x))))
        x = self.maxpool2(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)))
        for name in ('Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c',
                     'Mixed_6d', 'Mixed_6e'):
            x = getattr(self, name)(x)
        aux = self.AuxLogits(x) if self.AuxLogits is not None and self.training else None
        x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
        x = self.fc(torch.flatten(self.dropout(self.avgpool(x)), 1))
        return aux, x


__all__ = ['InceptionV3']
