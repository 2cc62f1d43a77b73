"""Class activation maps (the Grad-CAM family) of mmcls classifiers.

Used by ``tools/visualizations/vis_cam.py``.  MMClassification draws these with
the ``grad-cam`` package; that package imports torchvision, which this project does not depend on, so
the methods are implemented here (formulas in :mod:`mmcls.visualization.cam_methods`).  This module
names target layers like ``backbone.layers[-1].ln1``, picks a default target layer per backbone
family, turns token sequences (ViT-like models) back into feature maps, records activations and
gradients with hooks, and combines layers, test-time augmentation and the overlay.
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .cam_methods import METHOD_NAMES, cam_map, canonical_method, method_uses_gradients

__all__ = ['METHOD_NAMES', 'resolve_layer', 'default_target_layers', 'is_vit_like',
           'make_reshape_transform', 'LogitsModel', 'LayerRecorder', 'normalize_maps',
           'compute_cam', 'overlay_cam']

# Test-time augmentations of --aug-smooth: each horizontal flip state times each intensity factor.
_AUG_FLIPS = (False, True)
_AUG_FACTORS = (0.9, 1.0, 1.1)

# Backbones whose features are token sequences, with the layer CAM should look at: the first
# norm of the last block (after it, only the extra tokens reach the head).
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
    normalisation layer ."""
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



def _last_tensor(output: Any) -> torch.Tensor:
    """A layer's output tensor (the last one when the layer returns several)."""
    if isinstance(output, (tuple, list)):
        output = output[-1]
    if not isinstance(output, torch.Tensor):
        raise ValueError(f'a CAM target layer must output a tensor, got {type(output).__name__}')
    return output


class LayerRecorder:
    """Forward hooks that keep each target layer's output and the gradient that flows back
    into it, both passed through ``reshape`` (token sequences → maps).

    Use as a context manager: the hooks are removed on exit, even after an error.
    """

    def __init__(self, layers: Sequence[nn.Module],
                 reshape: Optional[Callable[[torch.Tensor], torch.Tensor]] = None):
        self.layers = list(layers)
        self.reshape = reshape or (lambda tensor: tensor)
        self.activations: List[Optional[torch.Tensor]] = [None] * len(self.layers)
        self.gradients: List[Optional[torch.Tensor]] = [None] * len(self.layers)
        self._handles: list = []

    def _hook(self, index: int) -> Callable:
        def record(module: nn.Module, inputs: Any, output: Any) -> None:
            tensor = _last_tensor(output)
            self.activations[index] = self.reshape(tensor.detach())
            if tensor.requires_grad:
                tensor.register_hook(self._gradient_hook(index))
        return record

    def _gradient_hook(self, index: int) -> Callable:
        def record(grad: torch.Tensor) -> None:
            self.gradients[index] = self.reshape(grad.detach())
        return record

    def __enter__(self) -> 'LayerRecorder':
        self._handles = [layer.register_forward_hook(self._hook(i))
                         for i, layer in enumerate(self.layers)]
        return self

    def __exit__(self, *exc_info: Any) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []


def normalize_maps(maps: torch.Tensor) -> torch.Tensor:
    """Scale each map of ``(N, H, W)`` to [0, 1] (min to 0, max to 1; a flat map becomes 0)."""
    flat = maps.reshape(maps.shape[0], -1)
    flat = flat - flat.min(dim=1, keepdim=True).values
    flat = flat / (flat.max(dim=1, keepdim=True).values + 1e-7)
    return flat.reshape(maps.shape)


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Run ``model`` in eval mode (BN statistics, no dropout), then restore its mode."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _target_categories(logits: torch.Tensor,
                       target_category: Optional[Sequence[int]]) -> torch.Tensor:
    """The class explained for each image: the given one(s), else the predicted class."""
    batch, num_classes = logits.shape
    if not target_category:
        return logits.argmax(dim=1)
    categories = [int(c) for c in target_category]
    if len(categories) == 1:
        categories = categories * batch
    if len(categories) != batch:
        raise ValueError(f'--target-category: got {len(categories)} categories for a batch '
                         f'of {batch} images (give one, or one per image)')
    for category in categories:
        if not 0 <= category < num_classes:
            raise ValueError(f'--target-category {category} is out of range: the model has '
                             f'{num_classes} classes')
    return torch.tensor(categories, device=logits.device)


def _single_pass(model: nn.Module, inputs: torch.Tensor, method: str, layers: List[nn.Module],
                 reshape: Optional[Callable], target_category: Optional[Sequence[int]],
                 eigen_smooth: bool) -> torch.Tensor:
    """Maps ``(N, H, W)`` in [0, 1] for one input batch: per layer ReLU, resize, normalise;
    then the mean over layers, normalised again."""
    logits_model = LogitsModel(model)
    needs_grad = method_uses_gradients(method)
    with LayerRecorder(layers, reshape) as recorder, torch.set_grad_enabled(needs_grad):
        batch = inputs.detach().clone().requires_grad_(needs_grad)
        logits = logits_model(batch)
        if needs_grad:
            categories = _target_categories(logits, target_category)
            model.zero_grad(set_to_none=True)
            logits.gather(1, categories[:, None]).sum().backward()
    height, width = inputs.shape[-2:]
    per_layer = []
    for name_index, activations in enumerate(recorder.activations):
        if activations is None:
            raise ValueError(f'target layer #{name_index} was not run by the forward pass')
        grads = recorder.gradients[name_index]
        if needs_grad and grads is None:
            raise ValueError(f'target layer #{name_index} received no gradient from the class '
                             f'score (after it, only extra tokens reach the head?); pick an '
                             f'earlier layer')
        raw = cam_map(method, activations, grads, eigen_smooth).clamp(min=0)
        resized = F.interpolate(raw[:, None], size=(height, width), mode='bilinear',
                                align_corners=False)[:, 0]
        per_layer.append(normalize_maps(resized))
    if needs_grad:
        model.zero_grad(set_to_none=True)
    return normalize_maps(torch.stack(per_layer, dim=1).clamp(min=0).mean(dim=1))


def _augmentations() -> List[Tuple[bool, float]]:
    return [(flip, factor) for flip in _AUG_FLIPS for factor in _AUG_FACTORS]


def compute_cam(model: nn.Module, inputs: torch.Tensor, method: str = 'GradCAM',
                target_layers: Optional[Sequence[str]] = None,
                target_category: Optional[Sequence[int]] = None, vit_like: bool = False,
                num_extra_tokens: Optional[int] = None, aug_smooth: bool = False,
                eigen_smooth: bool = False) -> np.ndarray:
    """Grayscale CAMs ``(N, H, W)`` in [0, 1] for the preprocessed batch ``inputs``.

    ``target_category`` None explains each image's predicted class.  ``aug_smooth`` averages
    the maps of the horizontally flipped and intensity-scaled (×0.9, ×1, ×1.1) inputs, each
    mapped back to the original orientation.
    """
    method = canonical_method(method)
    names = list(target_layers or default_target_layers(model))
    layers = [resolve_layer(model, name) for name in names]
    reshape = make_reshape_transform(model, num_extra_tokens) if vit_like else None
    with _eval_mode(model):
        if not aug_smooth:
            maps = _single_pass(model, inputs, method, layers, reshape, target_category,
                                eigen_smooth)
        else:
            smoothed = []
            for flip, factor in _augmentations():
                batch = inputs.flip(-1) if flip else inputs
                cam = _single_pass(model, batch * factor, method, layers, reshape,
                                   target_category, eigen_smooth)
                smoothed.append(cam.flip(-1) if flip else cam)
            maps = normalize_maps(torch.stack(smoothed).mean(dim=0))
    return maps.detach().cpu().numpy().astype(np.float32)


def overlay_cam(rgb: np.ndarray, grayscale_cam: np.ndarray, image_weight: float = 0.5
                ) -> np.ndarray:
    """The CAM as a jet heat map blended over an RGB uint8 image; RGB uint8 out."""
    import cv2
    if rgb.shape[:2] != grayscale_cam.shape:
        raise ValueError(f'the CAM {grayscale_cam.shape} and the image {rgb.shape[:2]} differ '
                         f'in size')
    heat = cv2.applyColorMap(np.uint8(np.clip(grayscale_cam, 0, 1) * 255), cv2.COLORMAP_JET)
    heat = heat[..., ::-1].astype(np.float32)
    blended = (1 - image_weight) * heat + image_weight * rgb.astype(np.float32)
    return np.clip(blended, 0, 255).astype(np.uint8)
