"""Rename torchvision and timm state dicts into mmcls keys (ResNet, ViT, Swin, ConvNeXt).

Each family is a table of ``(regex, replacement)`` rules applied to every source key; the first
rule that matches wins and a key no rule matches is an error, so a converted checkpoint never
silently loses weights.  Two families need more than renaming:

- Swin's patch merging: timm and torchvision concatenate the four 2x2 neighbours as
  ``[(0,0), (1,0), (0,1), (1,1)]`` blocks of channels, mmcls samples them with ``nn.Unfold``
  (channel-major, then row, then column), so the reduction weight's input columns and the norm's
  entries are permuted; the merging layer also moves from the start of stage ``i`` (theirs) to the
  end of stage ``i - 1`` (ours).
- torchvision ConvNeXt stores the layer scale as ``(C, 1, 1)``; ours is ``(C,)``.

Computed buffers (``relative_position_index``, ``attn_mask``) are dropped: our models build them.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch

FAMILIES = ('resnet', 'vit', 'swin', 'convnext')

__all__ = ['FAMILIES', 'LIBRARIES', 'detect_family', 'convert_state_dict', 'convert_checkpoint',
           'merge_order_index']

Rule = Tuple[str, str]

LIBRARIES = ('torchvision', 'timm')

# Keys of buffers that our models compute themselves.
_DROPPED = re.compile(r'(relative_position_index|attn_mask)$')


def _table_rows(table: str, width: int) -> List[Tuple[str, ...]]:
    """The whitespace-separated fields of each line of ``table``; every line holds ``width``."""
    rows = [tuple(line.split()) for line in table.strip().splitlines()]
    malformed = [row for row in rows if len(row) != width]
    if malformed:
        raise ValueError(f'table rows must hold {width} fields, got {malformed}')
    return rows


def _rules(table: str) -> List[Rule]:
    """The ``(pattern, replacement)`` rules of ``table``: one rule a line, the pattern and its
    replacement separated by whitespace, in the order they are tried."""
    return _table_rows(table, 2)


def _block_rules(source: str, target: str, parts: str) -> List[Rule]:
    """Rules for the keys of a repeated block: ``source``/``target`` are the block's key prefixes
    (``target`` may use the groups of ``source``), ``parts`` is a table (see :func:`_rules`) pairing
    each sub-key pattern with its replacement (whose group numbers continue those of ``source``)."""
    return [(rf'^{source}\.{sub}$', f'{target}.{replacement}') for sub, replacement in _rules(parts)]


_RESNET = _rules(r'''
    ^fc\.(.*)$                       head.fc.\1
    ^(conv1|bn1|layer\d+)\.(.*)$     backbone.\1.\2
''')

# The block parts of Swin shared by timm and torchvision, ``{fc1}``/``{fc2}`` naming the MLP's
# linear layers.
_SWIN_BLOCK_PARTS = r'''
    attn\.(.*)         attn.w_msa.\3
    mlp\.{fc1}\.(.*)   ffn.layers.0.0.\3
    mlp\.{fc2}\.(.*)   ffn.layers.1.\3
    (norm\d)\.(.*)     \3.\4
'''

_RULES: Dict[Tuple[str, str], List[Rule]] = {
    ('torchvision', 'resnet'): _RESNET,
    ('timm', 'resnet'): _RESNET,
    ('torchvision', 'vit'): [
        *_rules(r'''
            ^class_token$               backbone.cls_token
            ^conv_proj\.(.*)$           backbone.patch_embed.projection.\1
            ^encoder\.pos_embedding$    backbone.pos_embed
        '''),
        *_block_rules(r'encoder\.layers\.encoder_layer_(\d+)', r'backbone.layers.\1', r'''
            ln_(\d)\.(.*)                                ln\2.\3
            self_attention\.in_proj_(weight|bias)        attn.qkv.\2
            self_attention\.out_proj\.(.*)               attn.proj.\2
            mlp\.0\.(.*)                                 ffn.layers.0.0.\2
            mlp\.3\.(.*)                                 ffn.layers.1.\2
        '''),
        *_rules(r'''
            ^encoder\.ln\.(.*)$    backbone.ln1.\1
            ^heads\.head\.(.*)$    head.layers.head.\1
        '''),
    ],
    ('timm', 'vit'): [
        *_rules(r'''
            ^(cls_token|pos_embed)$       backbone.\1
            ^patch_embed\.proj\.(.*)$     backbone.patch_embed.projection.\1
        '''),
        *_block_rules(r'blocks\.(\d+)', r'backbone.layers.\1', r'''
            norm(\d)\.(.*)             ln\2.\3
            attn\.(qkv|proj)\.(.*)     attn.\2.\3
            mlp\.fc1\.(.*)             ffn.layers.0.0.\2
            mlp\.fc2\.(.*)             ffn.layers.1.\2
        '''),
        *_rules(r'''
            ^norm\.(.*)$    backbone.ln1.\1
            ^head\.(.*)$    head.layers.head.\1
        '''),
    ],
    ('timm', 'swin'): [
        *_rules(r'''
            ^patch_embed\.proj\.(.*)$    backbone.patch_embed.projection.\1
            ^patch_embed\.norm\.(.*)$    backbone.patch_embed.norm.\1
        '''),
        *_block_rules(r'layers\.(\d+)\.blocks\.(\d+)', r'backbone.stages.\1.blocks.\2',
                      _SWIN_BLOCK_PARTS.format(fc1='fc1', fc2='fc2')),
        *_rules(r'''
            ^layers\.(\d+)\.downsample\.(.*)$    backbone.stages.<\1-1>.downsample.\2
            ^norm\.(.*)$                         backbone.norm3.\1
            ^head\.fc\.(.*)$                     head.fc.\1
        '''),
    ],
    ('torchvision', 'swin'): [
        *_rules(r'''
            ^features\.0\.0\.(.*)$    backbone.patch_embed.projection.\1
            ^features\.0\.2\.(.*)$    backbone.patch_embed.norm.\1
        '''),
        *_block_rules(r'features\.(\d+)\.(\d+)', r'backbone.stages.<(\1-1)/2>.blocks.\2',
                      _SWIN_BLOCK_PARTS.format(fc1='0', fc2='3')),
        *_rules(r'''
            ^features\.(\d+)\.(reduction|norm)\.(.*)$    backbone.stages.<(\1-2)/2>.downsample.\2.\3
            ^norm\.(.*)$                                 backbone.norm3.\1
            ^head\.(.*)$                                 head.fc.\1
        '''),
    ],
    ('timm', 'convnext'): [
        *_rules(r'''
            ^stem\.(\d)\.(.*)$                        backbone.downsample_layers.0.\1.\2
            ^stages\.(\d+)\.downsample\.(\d)\.(.*)$   backbone.downsample_layers.\1.\2.\3
        '''),
        *_block_rules(r'stages\.(\d+)\.blocks\.(\d+)', r'backbone.stages.\1.\2', r'''
            gamma            gamma
            conv_dw\.(.*)    depthwise_conv.\3
            norm\.(.*)       norm.\3
            mlp\.fc1\.(.*)   pointwise_conv1.\3
            mlp\.fc2\.(.*)   pointwise_conv2.\3
        '''),
        *_rules(r'''
            ^head\.norm\.(.*)$    backbone.norm3.\1
            ^head\.fc\.(.*)$      head.fc.\1
        '''),
    ],
    ('torchvision', 'convnext'): [
        *_rules(r'''
            ^features\.0\.(\d)\.(.*)$    backbone.downsample_layers.0.\1.\2
        '''),
        *_block_rules(r'features\.(\d+)\.(\d+)', r'backbone.stages.<(\1-1)/2>.\2', r'''
            layer_scale     gamma
            block\.0\.(.*)  depthwise_conv.\3
            block\.2\.(.*)  norm.\3
            block\.3\.(.*)  pointwise_conv1.\3
            block\.5\.(.*)  pointwise_conv2.\3
        '''),
        *_rules(r'''
            ^features\.(\d+)\.(\d)\.(weight|bias)$    backbone.downsample_layers.<\1/2>.\2.\3
            ^classifier\.0\.(.*)$                     backbone.norm3.\1
            ^classifier\.2\.(.*)$                     head.fc.\1
        '''),
    ],
}

# Key patterns that identify a family in each library's layout: library, family, pattern.
_SIGNATURES: Dict[Tuple[str, str], str] = {
    (library, family): pattern for library, family, pattern in _table_rows(r'''
        torchvision  resnet    ^layer1\.0\.conv1\.weight$
        timm         resnet    ^layer1\.0\.conv1\.weight$
        torchvision  vit       ^encoder\.layers\.encoder_layer_0\.
        timm         vit       ^blocks\.0\.attn\.qkv\.weight$
        torchvision  swin      ^features\.1\.0\.attn\.relative_position_bias_table$
        timm         swin      ^layers\.0\.blocks\.0\.attn\.relative_position_bias_table$
        torchvision  convnext  ^features\.1\.0\.layer_scale$
        timm         convnext  ^stages\.0\.blocks\.0\.conv_dw\.weight$
    ''', 3)
}

_ARITH = re.compile(r'<([^<>]+)>')


def _check_library(library: str) -> None:
    if library not in LIBRARIES:
        raise ValueError(f'library must be one of {LIBRARIES}, got {library!r}')


def detect_family(state_dict: Mapping[str, torch.Tensor], library: str) -> str:
    """The family (``resnet``/``vit``/``swin``/``convnext``) whose key layout ``state_dict`` has."""
    _check_library(library)
    for family in FAMILIES:
        pattern = re.compile(_SIGNATURES[(library, family)])
        if any(pattern.search(key) for key in state_dict):
            return family
    raise ValueError(f'cannot tell the model family of this {library} state dict '
                     f'(first keys: {list(state_dict)[:3]}); supported: {FAMILIES}')


def _rename(key: str, rules: Sequence[Tuple[re.Pattern, str]]) -> Optional[str]:
    """Apply the first matching rule; ``<expr>`` in a replacement is integer arithmetic."""
    for pattern, replacement in rules:
        match = pattern.match(key)
        if match is None:
            continue
        renamed = match.expand(replacement)
        return _ARITH.sub(lambda m: str(_int_expr(m.group(1), key)), renamed)
    return None


def _int_expr(expr: str, key: str) -> int:
    """Evaluate ``a-b``, ``(a-b)/c`` or ``a/c`` over integers (the only forms the rules use)."""
    match = re.fullmatch(r'\(?(\d+)(?:-(\d+))?\)?(?:/(\d+))?', expr)
    if match is None:
        raise ValueError(f'bad index expression {expr!r} while renaming {key!r}')
    value = int(match.group(1)) - int(match.group(2) or 0)
    return value // int(match.group(3) or 1)


def merge_order_index(channels: int) -> torch.Tensor:
    """Index that reorders a 2x2 patch-merging axis from timm/torchvision order into ours.

    Theirs: position ``(col * 2 + row) * C + c``; ours (``nn.Unfold``): ``c * 4 + row * 2 + col``.
    """
    return torch.tensor([(col * 2 + row) * channels + c
                         for c in range(channels) for row in range(2) for col in range(2)])


def _fix_value(new_key: str, value: torch.Tensor, family: str) -> torch.Tensor:
    if family == 'swin' and '.downsample.' in new_key:
        if new_key.endswith('reduction.weight'):
            return value[:, merge_order_index(value.shape[1] // 4)]
        if '.downsample.norm.' in new_key:
            return value[merge_order_index(value.shape[0] // 4)]
    if family == 'convnext' and new_key.endswith('.gamma') and value.dim() == 3:
        return value.reshape(-1)
    return value


def convert_state_dict(state_dict: Mapping[str, torch.Tensor], library: str,
                       family: Optional[str] = None) -> 'OrderedDict[str, torch.Tensor]':
    """Convert a ``library`` (``torchvision``/``timm``) state dict into mmcls keys.

    ``family`` is detected from the keys when omitted.  Raises ``KeyError`` naming the first key
    that no rule of the family knows.
    """
    _check_library(library)
    family = family or detect_family(state_dict, library)
    if family not in FAMILIES:
        raise ValueError(f'family must be one of {FAMILIES}, got {family!r}')
    rules = [(re.compile(p), r) for p, r in _RULES[(library, family)]]
    converted: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key, value in state_dict.items():
        if _DROPPED.search(key):
            continue
        new_key = _rename(key, rules)
        if new_key is None:
            raise KeyError(f'{library} {family} key {key!r} has no mmcls counterpart')
        converted[new_key] = _fix_value(new_key, value, family)
    return converted


def _load_source(path: str) -> Dict[str, torch.Tensor]:
    """The tensors of a ``.pth``/``.pt``/``.bin`` or ``.safetensors`` file (bare or wrapped);
    :class:`CheckpointError` when it holds none (or objects of pickled classes)."""
    from mmcls.core.checkpoint import (CheckpointError, load_from_local,
                                       reject_foreign_objects)
    loaded = load_from_local(path, map_location='cpu')
    for wrapper in ('state_dict', 'model', 'model_ema'):
        if isinstance(loaded, dict) and isinstance(loaded.get(wrapper), dict):
            loaded = loaded[wrapper]
            break
    if not isinstance(loaded, dict):
        raise CheckpointError(f'{path} holds no state dict (it holds a '
                              f'{type(loaded).__name__})')
    reject_foreign_objects(loaded, path, 'state_dict')
    tensors = {k[len('module.'):] if k.startswith('module.') else k: v
               for k, v in loaded.items() if torch.is_tensor(v)}
    if not tensors:
        raise CheckpointError(f'{path} holds no tensors; found keys: '
                              f'{", ".join(map(str, list(loaded)[:5])) or "none"}')
    return tensors


def convert_checkpoint(src: str, dst: str, library: str, family: Optional[str] = None) -> str:
    """Convert the ``library`` checkpoint ``src`` into an mmcls checkpoint at ``dst``.

    ``dst`` ending in ``.safetensors`` gets the bare tensors; otherwise a ``.pth`` with
    ``state_dict`` and ``meta``.  Returns the detected or given family.
    """
    from mmcls.core.checkpoint import save_checkpoint
    source = _load_source(src)
    family = family or detect_family(source, library)
    converted = convert_state_dict(source, library, family)
    meta = {'converted_from': f'{library}:{family}', 'source': src}
    save_checkpoint({'state_dict': converted, 'meta': meta}, dst)
    return family
