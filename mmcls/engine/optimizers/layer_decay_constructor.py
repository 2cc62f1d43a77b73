"""Layer-wise learning-rate decay for transformer and ConvNeXt fine-tuning.

``constructor='LearningRateDecayOptimWrapperConstructor'`` with
``paramwise_cfg=dict(layer_decay_rate=0.65, ...)`` gives layer ``i`` of ``n``
the learning rate ``lr * rate ** (n - i - 1)``: the head keeps the full rate
and the layers closest to the input learn slowest.  Layer ids follow
MMClassification's parameter names (``backbone.layers.N`` for ViT,
``backbone.stages.S.blocks.B`` for Swin, ``backbone.stages`` /
``backbone.downsample_layers`` for ConvNeXt); a model or backbone that
defines ``get_layer_depth`` decides for itself.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from torch import nn

from mmcls.registry import OPTIM_WRAPPER_CONSTRUCTORS

from .default_constructor import DefaultOptimWrapperConstructor, is_norm, sorted_custom_keys

LayerDepthFn = Callable[[str], Tuple[int, int]]


def vit_layer_depth(name: str, num_layers: int) -> Tuple[int, int]:
    """ViT: tokens and patch embedding are layer 0, ``layers.N`` is N+1, the rest last."""
    max_id = num_layers + 2
    if not name.startswith('backbone.'):
        return max_id - 1, max_id
    rest = name[len('backbone.'):]
    if rest.split('.')[0] in ('cls_token', 'pos_embed', 'dist_token', 'mask_token') \
            or rest.startswith('patch_embed'):
        return 0, max_id
    match = re.match(r'layers\.(\d+)\.', rest)
    if match:
        return int(match.group(1)) + 1, max_id
    return max_id - 1, max_id


def swin_layer_depth(name: str, depths: Sequence[int]) -> Tuple[int, int]:
    """Swin: patch embedding 0, block B of stage S is ``sum(depths[:S]) + B + 1``.

    A stage's patch merging (``downsample``) belongs to its last block.
    """
    max_id = sum(depths) + 2
    if not name.startswith('backbone.'):
        return max_id - 1, max_id
    rest = name[len('backbone.'):]
    if rest.startswith(('patch_embed', 'absolute_pos_embed', 'mask_token')):
        return 0, max_id
    match = re.match(r'stages\.(\d+)\.(\w+)\.(\w+)', rest)
    if match:
        stage, part, block = int(match.group(1)), match.group(2), match.group(3)
        if part == 'blocks' and block.isdigit():
            return sum(depths[:stage]) + int(block) + 1, max_id
        return sum(depths[:stage + 1]), max_id
    return max_id - 1, max_id


def convnext_layer_depth(name: str, depths: Sequence[int]) -> Tuple[int, int]:
    """ConvNeXt: 12 (6 for small stage-3 depths) groups as in the ConvNeXt paper's code.

    Stem (``downsample_layers.0``) is 0; stages 0/1 are 1/2; every three
    blocks of stage 2 form one layer; stage 3 and its downsample are last.
    """
    max_layer = 12 if depths[-2] > 9 else 6
    if not name.startswith('backbone.'):
        return max_layer + 1, max_layer + 2
    rest = name[len('backbone.'):]
    match = re.match(r'downsample_layers\.(\d+)', rest)
    if match:
        stage = int(match.group(1))
        layer = 0 if stage == 0 else (stage + 1 if stage in (1, 2) else max_layer)
        return layer, max_layer + 2
    match = re.match(r'stages\.(\d+)\.(\d+)', rest)
    if match:
        stage, block = int(match.group(1)), int(match.group(2))
        layer = stage + 1 if stage in (0, 1) else (3 + block // 3 if stage == 2 else max_layer)
        return layer, max_layer + 2
    return max_layer + 1, max_layer + 2


def _count_blocks(names: List[str], pattern: str) -> List[int]:
    """Blocks per stage from parameter names (``pattern`` captures stage, block)."""
    blocks: Dict[int, int] = defaultdict(int)
    for name in names:
        match = re.match(pattern, name)
        if match:
            stage, block = int(match.group(1)), int(match.group(2))
            blocks[stage] = max(blocks[stage], block + 1)
    return [blocks[s] for s in range(max(blocks) + 1)] if blocks else []


def infer_layer_depth_fn(model: nn.Module, model_type: Optional[str] = None) -> LayerDepthFn:
    """Choose how to number ``model``'s layers.

    Order: the naming rules of an explicit ``model_type`` (``'vit'``,
    ``'swin'``, ``'convnext'``); ``model.backbone.get_layer_depth(name,
    'backbone.')``; ``model.get_layer_depth(name)``; the naming rules of the
    model type detected from the parameter names.  Each returns
    ``(layer_id, num_layer_ids)``.
    """
    backbone = getattr(model, 'backbone', None)
    if model_type is None and hasattr(backbone, 'get_layer_depth'):
        return lambda name: backbone.get_layer_depth(name, 'backbone.')
    if model_type is None and hasattr(model, 'get_layer_depth'):
        return model.get_layer_depth
    names = [name for name, _ in model.named_parameters()]
    model_type = model_type or _detect_model_type(names)
    if model_type == 'vit':
        matches = (re.match(r'backbone\.layers\.(\d+)\.', n) for n in names)
        layer_ids = [int(m.group(1)) for m in matches if m]
        num_layers = max(layer_ids) + 1 if layer_ids else len(getattr(backbone, 'layers', []))
        return lambda name: vit_layer_depth(name, num_layers)
    if model_type == 'swin':
        depths = list(getattr(backbone, 'depths', None) or
                      _count_blocks(names, r'backbone\.stages\.(\d+)\.blocks\.(\d+)\.'))
        return lambda name: swin_layer_depth(name, depths)
    if model_type == 'convnext':
        depths = list(getattr(backbone, 'depths', None) or
                      _count_blocks(names, r'backbone\.stages\.(\d+)\.(\d+)\.'))
        return lambda name: convnext_layer_depth(name, depths)
    raise ValueError(f'LearningRateDecayOptimWrapperConstructor: unknown model_type '
                     f'{model_type!r}; use one of vit, swin, convnext or give the model '
                     'a get_layer_depth(param_name) method')


def _detect_model_type(names: List[str]) -> str:
    if any(re.match(r'backbone\.stages\.\d+\.blocks\.\d+\.', n) for n in names):
        return 'swin'
    if any(n.startswith('backbone.downsample_layers.') for n in names):
        return 'convnext'
    if any(re.match(r'backbone\.layers\.\d+\.', n) for n in names):
        return 'vit'
    raise ValueError('LearningRateDecayOptimWrapperConstructor: cannot tell the layers of '
                     'this model (no backbone.layers.N, backbone.stages.S.blocks.B or '
                     'backbone.downsample_layers parameters); set paramwise_cfg.model_type '
                     'or give the model a get_layer_depth(param_name) method')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class LearningRateDecayOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """Param groups with layer-wise decayed learning rates.

    ``paramwise_cfg`` keys: ``layer_decay_rate`` (default 1.0, no decay),
    ``model_type`` (optional: ``'vit'``, ``'swin'``, ``'convnext'``), and the
    weight-decay options ``custom_keys`` (``decay_mult``, ``lr_mult`` applied
    on top of the layer scale, and extra group keys; longest key wins),
    ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult``.  Each group
    also records ``lr_scale``, ``layer_id`` and ``param_name`` for inspection.
    """

    paramwise_keys = ('layer_decay_rate', 'model_type', 'custom_keys', 'norm_decay_mult',
                      'bias_decay_mult', 'flat_decay_mult')

    def add_params(self, params: List[dict], module: nn.Module, prefix: str = '',
                   layer_depth: Optional[LayerDepthFn] = None) -> None:
        """Append one group per trainable parameter with its layer's lr scale."""
        if layer_depth is None:
            layer_depth = infer_layer_depth_fn(module, self.paramwise_cfg.get('model_type'))
        if self.base_lr is None:
            raise ValueError('LearningRateDecayOptimWrapperConstructor needs '
                             'optim_wrapper.optimizer.lr')
        rate = self.paramwise_cfg.get('layer_decay_rate', 1.0)
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad:
                continue
            full_name = f'{prefix}{name}'
            layer_id, max_id = layer_depth(full_name)
            scale = rate ** (max_id - layer_id - 1)
            group: Dict[str, Any] = {'params': [param], 'lr': self.base_lr * scale,
                                     'lr_scale': scale, 'layer_id': layer_id,
                                     'param_name': full_name}
            group.update(self._custom_or_rule_options(full_name, name, param, module))
            group['lr'] *= group.pop('lr_mult', 1.)
            params.append(group)
        for child_name, child in module.named_children():
            self.add_params(params, child, f'{prefix}{child_name}.', layer_depth)

    def _custom_or_rule_options(self, full_name: str, name: str, param: nn.Parameter,
                                module: nn.Module) -> Dict[str, Any]:
        """Weight decay (and extra keys, ``lr_mult``) of the longest matching custom key
        or, without one, of the norm/bias/flat rules."""
        cfg = self.paramwise_cfg
        custom_keys = cfg.get('custom_keys', {})
        key = next((k for k in sorted_custom_keys(custom_keys) if k in full_name), None)
        if key is not None:
            options = {k: v for k, v in custom_keys[key].items() if k != 'decay_mult'}
            if self.base_wd is not None:
                options['weight_decay'] = self.base_wd * custom_keys[key].get('decay_mult', 1.)
            return options
        if self.base_wd is None:
            return {}
        mult = 1.
        if is_norm(module) and cfg.get('norm_decay_mult') is not None:
            mult = cfg['norm_decay_mult']
        elif name == 'bias' and cfg.get('bias_decay_mult') is not None:
            mult = cfg['bias_decay_mult']
        elif param.ndim == 1 and cfg.get('flat_decay_mult') is not None:
            mult = cfg['flat_decay_mult']
        return {'weight_decay': self.base_wd * mult}

    def __call__(self, model: nn.Module):
        """Always build layer-wise groups, even with an empty ``paramwise_cfg``."""
        if not self.paramwise_cfg:
            self.paramwise_cfg = {'layer_decay_rate': 1.0}
        return super().__call__(model)


__all__ = ['LearningRateDecayOptimWrapperConstructor', 'vit_layer_depth', 'swin_layer_depth',
           'convnext_layer_depth', 'infer_layer_depth_fn']
