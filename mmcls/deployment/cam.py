"""Class activation maps (Grad-CAM family) for mmcls classifiers, on ``pytorch_grad_cam``.

Used by ``tools/visualizations/vis_cam.py`` (seed L1590–1712).  What this module adds to the
``grad-cam`` package: target layers named like ``backbone.layers[-1].ln1``, a default target layer
per backbone family, the reshape of token sequences (ViT-like models) back into feature maps,
and the model's own test pipeline and normalisation.
"""
from __future__ import annotations

import inspect
import math
import re
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

__all__ = ['CAM_METHODS', 'GradCamDependencyError', 'import_grad_cam', 'resolve_layer',
           'default_target_layers', 'is_vit_like', 'make_reshape_transform', 'LogitsModel',
           'compute_cam', 'overlay_cam']

# --method value (case-insensitive) -> pytorch_grad_cam class name.
CAM_METHODS: Dict[str, str] = {
    'gradcam': 'GradCAM',
    'gradcam++': 'GradCAMPlusPlus',
    'xgradcam': 'XGradCAM',
    'eigencam': 'EigenCAM',
    'eigengradcam': 'EigenGradCAM',
    'layercam': 'LayerCAM',
}

# Backbones whose features are token sequences, with the layer CAM should look at: the first
# norm of the last block (after it, only the extra tokens reach the head, see seed L1717–1722).
_TOKEN_FAMILIES: Dict[str, str] = {
    'VisionTransformer': 'backbone.layers[-1].ln1',
    'DistilledVisionTransformer': 'backbone.layers[-1].ln1',
    'DeiT3': 'backbone.layers[-1].ln1',
    'BEiTViT': 'backbone.layers[-1].ln1',
    'BEiT': 'backbone.layers[-1].ln1',
    'T2T_ViT': 'backbone.encoder[-1].ln1',
    'SwinTransformer': 'backbone.norm3',
    'SwinTransformerV2': 'backbone.norm3',
}
# CNNs whose last stage has a clear name.
_CNN_FAMILIES: Dict[str, str] = {
    'ResNet': 'backbone.layer4',
    'ResNetV1c': 'backbone.layer4',
    'ResNetV1d': 'backbone.layer4',
    'ResNeXt': 'backbone.layer4',
    'SEResNet': 'backbone.layer4',
    'SEResNeXt': 'backbone.layer4',
    'Res2Net': 'backbone.layer4',
    'ConvNeXt': 'backbone.stages[-1]',
}
_NORM_TYPES = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm)


class GradCamDependencyError(ImportError):
    """The ``grad-cam`` package (``pytorch_grad_cam``) is missing or cannot be imported."""


def import_grad_cam() -> Any:
    """Import ``pytorch_grad_cam`` or raise :class:`GradCamDependencyError` with the fix."""
    try:
        import pytorch_grad_cam
        import pytorch_grad_cam.utils.image  # noqa: F401  (needs torchvision)
        import pytorch_grad_cam.utils.model_targets  # noqa: F401
    except ImportError as error:
        raise GradCamDependencyError(
            f'vis_cam needs the grad-cam package: pip install "mmcls[cam]" '
            f'(or pip install "grad-cam>=1.3.6", which also installs torchvision); '
            f'import failed with: {error}') from error
    return pytorch_grad_cam


_TOKEN = re.compile(r'^([A-Za-z_]\w*)((?:\[-?\d+\])*)$')


def resolve_layer(model: nn.Module, name: str) -> nn.Module:
    """The sub-module ``name`` of ``model``: dotted attributes with optional ``[index]``s,
    e.g. ``backbone.layer4.2``, ``backbone.layers[-1].ln1`` (no ``eval``)."""
    module: Any = model
    for part in name.split('.'):
        if part.lstrip('-').isdigit():  # backbone.layer4.2
            attr, indices = None, [int(part)]
        else:
            match = _TOKEN.match(part)
            if match is None:
                raise ValueError(f'bad target layer {name!r}: cannot parse {part!r}')
            attr, indices = match.group(1), [int(i) for i in re.findall(r'-?\d+', match.group(2))]
        try:
            if attr is not None:
                module = getattr(module, attr)
            for index in indices:
                module = module[index]
        except (AttributeError, IndexError, TypeError, KeyError):
            raise ValueError(f'target layer {name!r} not found in {type(model).__name__} '
                             f'(at {part!r}); list the layers with --preview-model') from None
    if not isinstance(module, nn.Module):
        raise ValueError(f'target layer {name!r} is a {type(module).__name__}, not a module')
    return module


def _backbone_type(model: nn.Module) -> str:
    return type(getattr(model, 'backbone', model)).__name__


def is_vit_like(model: nn.Module) -> bool:
    """Whether the backbone's features are token sequences (needs the reshape transform)."""
    return _backbone_type(model) in _TOKEN_FAMILIES


def default_target_layers(model: nn.Module) -> List[str]:
    """The layer CAM looks at when none is given: a per-family choice, else the backbone's last
    normalisation layer (the rule of the seed, L1641)."""
    kind = _backbone_type(model)
    if kind in _TOKEN_FAMILIES:
        return [_TOKEN_FAMILIES[kind]]
    if kind in _CNN_FAMILIES:
        return [_CNN_FAMILIES[kind]]
    backbone = getattr(model, 'backbone', model)
    norms = [name for name, m in backbone.named_modules() if isinstance(m, _NORM_TYPES)]
    if not norms:
        raise ValueError(f'no default target layer for {kind}: it has no normalisation layer; '
                         f'pass --target-layers (see --preview-model)')
    prefix = 'backbone.' if backbone is not model else ''
    return [prefix + norms[-1]]


def make_reshape_transform(model: nn.Module, num_extra_tokens: Optional[int] = None
                           ) -> Callable[[torch.Tensor], torch.Tensor]:
    """Tokens ``(B, L, C)`` → feature maps ``(B, C, H, W)``, dropping the leading extra tokens.

    ``num_extra_tokens`` defaults to the backbone's ``num_extra_tokens`` (0 when it has none);
    the map is square unless the backbone's ``patch_resolution`` says otherwise.  Feature maps
    that are already 4-D pass through.
    """
    backbone = getattr(model, 'backbone', model)
    if num_extra_tokens is None:
        num_extra_tokens = int(getattr(backbone, 'num_extra_tokens', 0) or 0)
    resolution = getattr(backbone, 'patch_resolution', None)

    def reshape(tensor: torch.Tensor) -> torch.Tensor:
        if isinstance(tensor, (tuple, list)):
            tensor = tensor[-1]
        if tensor.dim() == 4:
            return tensor
        if tensor.dim() != 3:
            raise ValueError(f'--vit-like expects (B, L, C) tokens, got shape '
                             f'{tuple(tensor.shape)}')
        tokens = tensor[:, num_extra_tokens:]
        length = tokens.shape[1]
        if resolution is not None and resolution[0] * resolution[1] == length:
            height, width = int(resolution[0]), int(resolution[1])
        else:
            height = width = int(math.isqrt(length))
            if height * width != length:
                raise ValueError(f'cannot make a square map of {length} tokens (after dropping '
                                 f'{num_extra_tokens} extra tokens); check --num-extra-tokens')
        return tokens.reshape(tokens.shape[0], height, width, -1).permute(0, 3, 1, 2)

    return reshape


class LogitsModel(nn.Module):
    """``classifier(x, mode='tensor')`` as a plain module returning ``(N, num_classes)``."""

    def __init__(self, classifier: nn.Module):
        super().__init__()
        self.classifier = classifier

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        out = self.classifier(inputs, mode='tensor')
        return out[-1] if isinstance(out, (tuple, list)) else out


def _build_cam(grad_cam: Any, method: str, model: nn.Module, layers: List[nn.Module],
               reshape: Optional[Callable]) -> Any:
    key = method.lower().replace('-', '').replace('_', '')
    if key not in CAM_METHODS:
        raise ValueError(f'unknown CAM method {method!r}; choose from '
                         f'{", ".join(CAM_METHODS.values())}')
    cls = getattr(grad_cam, CAM_METHODS[key])
    kwargs: Dict[str, Any] = dict(model=model, target_layers=layers, reshape_transform=reshape)
    if 'use_cuda' in inspect.signature(cls.__init__).parameters:  # grad-cam < 1.5
        kwargs['use_cuda'] = next(model.parameters()).is_cuda
    return cls(**kwargs)


def compute_cam(model: nn.Module, inputs: torch.Tensor, method: str = 'GradCAM',
                target_layers: Optional[Sequence[str]] = None,
                target_category: Optional[Sequence[int]] = None, vit_like: bool = False,
                num_extra_tokens: Optional[int] = None, aug_smooth: bool = False,
                eigen_smooth: bool = False) -> np.ndarray:
    """Grayscale CAMs ``(N, H, W)`` in [0, 1] for the preprocessed batch ``inputs``.

    ``target_category`` None explains each image's predicted class.
    """
    grad_cam = import_grad_cam()
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    names = list(target_layers or default_target_layers(model))
    layers = [resolve_layer(model, name) for name in names]
    reshape = make_reshape_transform(model, num_extra_tokens) if vit_like else None
    cam = _build_cam(grad_cam, method, LogitsModel(model), layers, reshape)
    targets = None
    if target_category:
        categories = list(target_category)
        if len(categories) == 1:
            categories = categories * inputs.shape[0]
        targets = [ClassifierOutputTarget(int(c)) for c in categories]
    try:
        return cam(input_tensor=inputs, targets=targets, aug_smooth=aug_smooth,
                   eigen_smooth=eigen_smooth)
    finally:
        cam.activations_and_grads.release()


def overlay_cam(rgb: np.ndarray, grayscale_cam: np.ndarray) -> np.ndarray:
    """The CAM drawn over an RGB uint8 image (``grad-cam``'s jet overlay); RGB uint8 out."""
    import_grad_cam()
    from pytorch_grad_cam.utils.image import show_cam_on_image
    return show_cam_on_image(rgb.astype(np.float32) / 255.0, grayscale_cam, use_rgb=True)
