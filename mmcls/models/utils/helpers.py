"""Tiny helpers: scalars to tuples (kernel sizes, strides, image sizes), tracing detection."""
import collections.abc
from itertools import repeat
from typing import Any, Callable, Tuple

import torch
import torch.fx._symbolic_trace as fx_trace


def to_ntuple(n: int) -> Callable[[Any], Tuple]:
    """Return a function that repeats a scalar ``n`` times and passes iterables through."""

    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))

    return parse


to_1tuple = to_ntuple(1)
to_2tuple = to_ntuple(2)
to_3tuple = to_ntuple(3)
to_4tuple = to_ntuple(4)

__all__ = ['to_ntuple', 'to_1tuple', 'to_2tuple', 'to_3tuple', 'to_4tuple', 'resolve_layer_type',
           'is_tracing', 'torch_meshgrid']


def torch_meshgrid(*tensors: torch.Tensor):
    """``torch.meshgrid`` with matrix ('ij') indexing, the order the window/position code uses."""
    return torch.meshgrid(*tensors, indexing='ij')


def is_tracing() -> bool:
    """Whether the running code is being captured into a graph rather than executed eagerly.

    True under ``torch.jit.trace``/``script`` tracing, ``torch.onnx.export``, ``torch.fx``
    symbolic tracing, and ``torch.compile``/``torch.export`` (dynamo). Models use it to skip
    Python-side checks on tensor values that a captured graph cannot keep.
    """
    # ``is_fx_symbolic_tracing`` where torch has it: ``is_fx_tracing`` warns at its first call.
    fx_tracing = getattr(fx_trace, 'is_fx_symbolic_tracing', fx_trace.is_fx_tracing)
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export() or fx_tracing():
        return True
    compiler = getattr(torch, 'compiler', None)
    return bool(compiler is not None and compiler.is_compiling())


def resolve_layer_type(kind: str, builtin: dict, layer_type):
    """Class for a layer ``type``: a class as is, a built-in name, or a name registered in MODELS.

    Unknown names raise ``KeyError`` naming the kind of layer and the built-in choices.
    """
    import inspect

    from mmcls.registry import MODELS
    if inspect.isclass(layer_type):
        return layer_type
    if layer_type in builtin:
        return builtin[layer_type]
    if layer_type in MODELS:
        return MODELS.get(layer_type)
    raise KeyError(f'unknown {kind} layer type {layer_type!r}; built-in types are '
                   f'{sorted(builtin)} (others must be registered in the MODELS registry)')
