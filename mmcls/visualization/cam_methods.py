"""The six class-activation-map formulas of ``vis_cam``, on plain tensors.

Each method turns one target layer's activations ``A`` and the gradients ``G`` of the target
class score with respect to them (both ``(N, C, h, w)``) into a map ``(N, h, w)``:

- GradCAM: channel weights are the spatial mean of ``G``;
- GradCAM++: channel weights from second- and third-order gradient terms, positive gradients only;
- XGradCAM: channel weights are ``sum(G * A) / sum(A)`` over space;
- EigenCAM: the first principal component of ``A`` (class-agnostic, needs no gradient);
- EigenGradCAM: the first principal component of ``G * A``;
- LayerCAM: ``ReLU(G) * A`` summed over channels (a per-pixel weighting).

``eigen_smooth`` replaces the channel sum of the weighted activations by their first principal
component, which drops the noise the other components carry.  The maps are raw: ReLU, resizing
and normalisation are the caller's (:func:`mmcls.visualization.cam.compute_cam`).
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

import torch

__all__ = ['CAM_METHODS', 'METHOD_NAMES', 'canonical_method', 'method_uses_gradients',
           'first_component_map', 'cam_map']

_GRADCAM_PP_EPS = 1e-6
_XGRADCAM_EPS = 1e-7


def first_component_map(weighted: torch.Tensor) -> torch.Tensor:
    """Project each image's ``(C, h, w)`` activations on their first principal component.

    The pixels are the samples and the channels the features: the map is the pixels' coordinate
    along the direction of largest variance, ``(N, h, w)``.  A principal component has no sign of
    its own, so the map is oriented to agree with the plain channel sum of ``weighted`` (the
    map without smoothing); this keeps EigenCAM and eigen-smoothing pointing at the object
    rather than at its background.
    """
    batch, channels, height, width = weighted.shape
    maps = []
    for image in weighted.detach().double():
        pixels = image.reshape(channels, -1).t()  # (h*w, C)
        centred = pixels - pixels.mean(dim=0, keepdim=True)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)
        projection = centred @ vh[0]
        if torch.dot(projection, pixels.sum(dim=1)) < 0:
            projection = -projection
        maps.append(projection.reshape(height, width))
    return torch.stack(maps).to(weighted.dtype)


def _weighted_sum(weights: torch.Tensor, activations: torch.Tensor,
                  eigen_smooth: bool) -> torch.Tensor:
    """Activations weighted per channel by ``weights`` (N, C), reduced to one map per image."""
    weighted = weights[:, :, None, None] * activations
    return first_component_map(weighted) if eigen_smooth else weighted.sum(dim=1)


def _gradcam(activations: torch.Tensor, grads: torch.Tensor, eigen_smooth: bool) -> torch.Tensor:
    return _weighted_sum(grads.mean(dim=(2, 3)), activations, eigen_smooth)


def _gradcam_pp(activations: torch.Tensor, grads: torch.Tensor,
                eigen_smooth: bool) -> torch.Tensor:
    grads_2 = grads.pow(2)
    grads_3 = grads_2 * grads
    sum_activations = activations.sum(dim=(2, 3))[:, :, None, None]
    alpha = grads_2 / (2 * grads_2 + sum_activations * grads_3 + _GRADCAM_PP_EPS)
    alpha = torch.where(grads != 0, alpha, torch.zeros_like(alpha))
    weights = (grads.clamp(min=0) * alpha).sum(dim=(2, 3))
    return _weighted_sum(weights, activations, eigen_smooth)


def _xgradcam(activations: torch.Tensor, grads: torch.Tensor, eigen_smooth: bool) -> torch.Tensor:
    sum_activations = activations.sum(dim=(2, 3))[:, :, None, None]
    weights = (grads * activations / (sum_activations + _XGRADCAM_EPS)).sum(dim=(2, 3))
    return _weighted_sum(weights, activations, eigen_smooth)


def _eigencam(activations: torch.Tensor, grads: torch.Tensor, eigen_smooth: bool) -> torch.Tensor:
    return first_component_map(activations)


def _eigengradcam(activations: torch.Tensor, grads: torch.Tensor,
                  eigen_smooth: bool) -> torch.Tensor:
    return first_component_map(grads * activations)


def _layercam(activations: torch.Tensor, grads: torch.Tensor, eigen_smooth: bool) -> torch.Tensor:
    weighted = grads.clamp(min=0) * activations
    return first_component_map(weighted) if eigen_smooth else weighted.sum(dim=1)


CamFormula = Callable[[torch.Tensor, torch.Tensor, bool], torch.Tensor]

# --method value, lower-cased without '-'/'_' -> (display name, formula).
CAM_METHODS: Dict[str, tuple] = {
    'gradcam': ('GradCAM', _gradcam),
    'gradcam++': ('GradCAM++', _gradcam_pp),
    'xgradcam': ('XGradCAM', _xgradcam),
    'eigencam': ('EigenCAM', _eigencam),
    'eigengradcam': ('EigenGradCAM', _eigengradcam),
    'layercam': ('LayerCAM', _layercam),
}
METHOD_NAMES = tuple(name for name, _ in CAM_METHODS.values())


def canonical_method(method: str) -> str:
    """The registry key of ``method`` (case-insensitive, '-'/'_' ignored), or a ValueError
    that lists the methods."""
    key = method.lower().replace('-', '').replace('_', '')
    if key not in CAM_METHODS:
        raise ValueError(f'unknown CAM method {method!r}; choose from {", ".join(METHOD_NAMES)}')
    return key


def method_uses_gradients(method: str) -> bool:
    """EigenCAM reads the activations only; every other method needs a backward pass."""
    return canonical_method(method) != 'eigencam'


def cam_map(method: str, activations: torch.Tensor, grads: Optional[torch.Tensor],
            eigen_smooth: bool = False) -> torch.Tensor:
    """The raw map ``(N, h, w)`` of ``method`` for one layer's activations and gradients
    (``grads`` may be None for EigenCAM, which needs none)."""
    if activations.dim() != 4:
        raise ValueError(f'CAM needs (N, C, H, W) activations, got shape '
                         f'{tuple(activations.shape)}; token outputs need --vit-like')
    key = canonical_method(method)
    if grads is None:
        if method_uses_gradients(key):
            raise ValueError(f'{CAM_METHODS[key][0]} needs the gradients of the target layer')
        grads = torch.zeros_like(activations)
    formula: CamFormula = CAM_METHODS[key][1]
    return formula(activations.float(), grads.float(), eigen_smooth)
