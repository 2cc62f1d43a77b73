"""Count the FLOPs, parameters and activations of a model built from a config.

    python tools/analysis_tools/get_flops.py CONFIG [--shape H [W]]

FLOPs are counted with ``torch.utils.flop_counter.FlopCounterMode`` and
reported as multiply-adds, the unit of the published model-zoo numbers (fvcore's), so
ResNet-50 at 224x224 gives about 4.1 G.  Activations are the output elements
of convolutions and matrix products.  Like MMClassification, only
``model.extract_feat`` (backbone and neck) is run when the model has it, so
the head's parameters are listed but not its FLOPs. 
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

__all__ = ['ModelComplexity', 'analyze_complexity', 'format_size', 'complexity_table',
           'summary', 'parse_args', 'main']

# Extra formulas (norms, pooling, upsampling) in fvcore's counts.  FlopCounterMode counts
# a multiply-add as 2, so these are doubled too and every total is halved at the end.
_ROOT = 'ComplexityProbe'


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _batch_norm_flop(input_shape, weight_shape, *args, out_shape=None, **kwargs) -> int:
    training = next((a for a in args if isinstance(a, bool)), False)
    if training:
        per_element = 5 if weight_shape is not None else 4
    else:
        per_element = 2 if weight_shape is not None else 1
    return 2 * _numel(input_shape) * per_element


def _batch_norm_no_training_flop(input_shape, weight_shape, *args, out_shape=None,
                                 **kwargs) -> int:
    return 2 * _numel(input_shape) * (2 if weight_shape is not None else 1)


def _layer_norm_flop(input_shape, normalized_shape, weight_shape, *args, out_shape=None,
                     **kwargs) -> int:
    return 2 * _numel(input_shape) * (5 if weight_shape is not None else 4)


def _group_norm_flop(input_shape, weight_shape, *args, out_shape=None, **kwargs) -> int:
    return 2 * _numel(input_shape) * (5 if weight_shape is not None else 4)


def _input_elements_flop(input_shape, *args, out_shape=None, **kwargs) -> int:
    return 2 * _numel(input_shape)


def _nearest_flop(input_shape, *args, out_shape=None, **kwargs) -> int:
    return 2 * _numel(out_shape)


def _bilinear_flop(input_shape, *args, out_shape=None, **kwargs) -> int:
    return 2 * 4 * _numel(out_shape)


def _cpu_attention_flop(query_shape, key_shape, value_shape, *args, out_shape=None,
                        **kwargs) -> int:
    from torch.utils.flop_counter import sdpa_flop_count
    return sdpa_flop_count(query_shape, key_shape, value_shape)


def _extra_formulas() -> dict:
    import torch
    aten = torch.ops.aten
    return {
        # FlopCounterMode knows the CUDA attention kernels but not the CPU one
        aten._scaled_dot_product_flash_attention_for_cpu: _cpu_attention_flop,
        aten.native_batch_norm: _batch_norm_flop,
        aten._native_batch_norm_legit: _batch_norm_flop,
        aten._native_batch_norm_legit_no_training: _batch_norm_no_training_flop,
        aten.native_layer_norm: _layer_norm_flop,
        aten.native_group_norm: _group_norm_flop,
        aten._adaptive_avg_pool2d: _input_elements_flop,
        aten.mean: _input_elements_flop,  # AdaptiveAvgPool2d(1) dispatches to mean.dim
        aten.upsample_nearest2d: _nearest_flop,
        aten.upsample_bilinear2d: _bilinear_flop,
    }


@dataclass
class ModelComplexity:
    """Per-module counts keyed by dotted names; ``''`` is the whole model."""

    flops: Dict[str, int]
    activations: Dict[str, int]
    params: Dict[str, int]
    param_shapes: Dict[str, Tuple[int, ...]]
    order: List[str]  # modules and parameters, parents first, in definition order
    called: Set[str] = field(default_factory=set)

    @property
    def total_flops(self) -> int:
        return self.flops.get('', 0)

    @property
    def total_params(self) -> int:
        return self.params.get('', 0)

    @property
    def total_activations(self) -> int:
        return self.activations.get('', 0)


def analyze_complexity(model, inputs) -> ModelComplexity:
    """Run ``model`` once on ``inputs`` (``extract_feat`` when it exists) and count.

    The model is put in eval mode and run without gradients.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from torch.utils.module_tracker import ModuleTracker

    probe = _make_probe(model)
    model.eval()
    activation_mode = _activation_mode()
    tracker = ModuleTracker()
    with torch.no_grad():
        with FlopCounterMode(display=False, custom_mapping=_extra_formulas()) as flop_mode:
            with tracker, activation_mode(tracker) as act:
                probe(inputs)
    flops = {name: sum(ops.values()) // 2 for name, ops in flop_mode.get_flop_counts().items()}
    return _collect(model, _rename(flops), _rename(act.counts), _rename(
        {n: 1 for n in act.called}))


def _make_probe(model):
    """A module holding ``model`` whose forward is ``extract_feat`` (or ``forward``).

    Module names then read ``ComplexityProbe.model.backbone...`` in the trackers.
    """
    import torch.nn as nn

    class ComplexityProbe(nn.Module):
        def __init__(self, wrapped):
            super().__init__()
            self.model = wrapped

        def forward(self, x):
            extract = getattr(self.model, 'extract_feat', None)
            return extract(x) if callable(extract) else self.model(x)

    return ComplexityProbe(model)


def _activation_mode():
    """A dispatch mode counting the output elements of convolutions and matrix products.

    A fused attention kernel counts as its two matrix products (the scores
    ``L x S`` per head and the output), as when attention is written with matmuls.
    """
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    aten = torch.ops.aten
    products = {aten.convolution, aten._convolution, aten.mm, aten.addmm, aten.bmm, aten.baddbmm}
    attention = {aten._scaled_dot_product_flash_attention_for_cpu,
                 aten._scaled_dot_product_flash_attention,
                 aten._scaled_dot_product_efficient_attention,
                 aten._scaled_dot_product_cudnn_attention}

    def count(func, args, out) -> int:
        if func.overloadpacket in products:
            return out.numel()
        if func.overloadpacket in attention:
            query, key = args[0], args[1]
            output = out[0] if isinstance(out, (tuple, list)) else out
            return query.numel() // query.shape[-1] * key.shape[-2] + output.numel()
        return 0

    class ActivationCounter(TorchDispatchMode):
        def __init__(self, tracker):
            super().__init__()
            self.tracker = tracker
            self.counts: Dict[str, int] = defaultdict(int)
            self.called: Set[str] = set()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            parents = set(self.tracker.parents)
            self.called |= parents
            number = count(func, args, out)
            if number:
                for parent in parents:
                    self.counts[parent] += number
            return out

    return ActivationCounter


def _rename(counts: Dict[str, int]) -> Dict[str, int]:
    """Tracker names -> model-relative names (``''`` for the model itself).

    The probe's own entry holds the whole run; ``ComplexityProbe.model`` is
    skipped because it repeats it when the model is called directly.
    """
    prefix = f'{_ROOT}.model.'
    renamed: Dict[str, int] = {}
    for name, value in counts.items():
        if name == _ROOT:
            renamed[''] = value
        elif name.startswith(prefix):
            renamed[name[len(prefix):]] = value
    return renamed


def _collect(model, flops, activations, called) -> ModelComplexity:
    params: Dict[str, int] = defaultdict(int)
    shapes: Dict[str, Tuple[int, ...]] = {}
    order: List[str] = []

    def visit(module, prefix: str) -> int:
        order.append(prefix)
        total = 0
        for name, param in module.named_parameters(recurse=False):
            full = f'{prefix}.{name}' if prefix else name
            order.append(full)
            shapes[full] = tuple(param.shape)
            params[full] = param.numel()
            total += param.numel()
        for name, child in module.named_children():
            total += visit(child, f'{prefix}.{name}' if prefix else name)
        params[prefix] = total
        return total

    visit(model, '')
    called = set(called) | {''}  # the model ran through the probe
    _fill_containers(model, flops, activations, called)
    return ModelComplexity(flops=flops, activations=activations, params=dict(params),
                           param_shapes=shapes, order=order, called=called)


def _fill_containers(model, flops, activations, called) -> None:
    """Give modules that never run themselves (``ModuleList``, ``Sequential`` used
    by index) the sums of their children, so every level of the table has totals."""
    def visit(module, prefix: str) -> bool:
        children = [(f'{prefix}.{n}' if prefix else n, c) for n, c in module.named_children()]
        ran = [name for name, child in children if visit(child, name)]
        if prefix not in called and ran:
            flops[prefix] = sum(flops.get(n, 0) for n in ran)
            activations[prefix] = sum(activations.get(n, 0) for n in ran)
            called.add(prefix)
        return prefix in called

    visit(model, '')


def format_size(x: int) -> str:
    """fvcore's short form with 3 decimals: ``17582000000 -> '17.582G'``."""
    for scale, unit in ((1e15, 'P'), (1e12, 'T'), (1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if abs(x) > scale / 10:
            return f'{x / scale:.3f}'.rstrip('0').rstrip('.') + unit
    return str(x)


def _children(name: str, names: Sequence[str]) -> List[str]:
    depth = 0 if name == '' else name.count('.') + 1
    prefix = f'{name}.' if name else ''
    return [n for n in names if n and n.startswith(prefix) and n.count('.') == depth]


def complexity_table(result: ModelComplexity, max_depth: int = 3) -> str:
    """A Markdown table like fvcore's: module rows down to ``max_depth`` levels,
    parameter shapes, FLOPs and activations; chains of single children are merged
    (``head.layers``) and rows with nothing to show are left out."""
    names = [n for n in result.order if n in result.param_shapes or _worth_showing(result, n)]
    rows = [['module', '#parameters or shape', '#flops', '#activations']]

    def fast_forward(name: str) -> str:
        kids = _children(name, names)
        while len(kids) == 1 and kids[0] not in result.param_shapes:
            name = kids[0]
            kids = _children(name, names)
        return name

    def add(name: str, level: int, shown: str) -> None:
        indent = ' ' * level
        if name in result.param_shapes:
            rows.append([indent + shown, indent + str(result.param_shapes[name]), '', ''])
            return
        cells = [indent + format_size(result.params.get(name, 0))]
        for counts in (result.flops, result.activations):
            cells.append(indent + format_size(counts.get(name, 0)) if name in result.called
                         else '')
        rows.append([indent + shown] + cells)

    def fill(prefix_name: str, level: int) -> None:
        if level > max_depth:
            return
        for child in _children(prefix_name, names):
            child = fast_forward(child)
            add(child, level, child)
            fill(child, level + 1)

    root = fast_forward('')
    add(root, 0, root or 'model')
    fill(root, 1)
    return _markdown(rows)


def _worth_showing(result: ModelComplexity, name: str) -> bool:
    return name == '' or any(counts.get(name, 0) for counts in (
        result.params, result.flops, result.activations))


def _markdown(rows: List[List[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ['| ' + ' | '.join(c.ljust(w) for c, w in zip(rows[0], widths)) + ' |',
             '|' + '|'.join(':' + '-' * (w + 1) for w in widths) + '|']
    lines += ['| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths)) + ' |'
              for row in rows[1:]]
    return '\n'.join(lines)


def summary(result: ModelComplexity, input_shape: Tuple[int, ...]) -> str:
    line = '=' * 30
    return (f'{line}\nInput shape: {input_shape}\nFlops: {format_size(result.total_flops)}\n'
            f'Params: {format_size(result.total_params)}\n'
            f'Activation: {format_size(result.total_activations)}\n{line}')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Count the FLOPs and parameters of a model.')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('--shape', type=int, nargs='+', default=[224, 224],
                        help='input size: one value (square) or H W; default 224 224')
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='override config settings, as in tools/train.py')
    args = parser.parse_args(argv)
    if len(args.shape) not in (1, 2):
        parser.error(f'--shape takes one or two integers, got {args.shape}')
    return args


def main(argv: Optional[Sequence[str]] = None) -> ModelComplexity:
    args = parse_args(argv)
    height, width = (args.shape * 2)[:2]
    input_shape = (3, height, width)

    import torch

    from mmcls.config import Config
    from mmcls.config.dict_action import parse_cfg_options
    from mmcls.registry import MODELS

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(parse_cfg_options(args.cfg_options))
    model = MODELS.build(cfg.model)
    result = analyze_complexity(model, torch.zeros(1, *input_shape))
    print(summary(result, input_shape))
    print(complexity_table(result))
    print('!!!Only the backbone and neck (extract_feat) are counted in FLOPs; the head is not.')
    print('!!!Please be cautious if you use the results in papers. '
          'You may need to check if all ops are supported and verify that the '
          'flops computation is correct.')
    return result
