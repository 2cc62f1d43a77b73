"""Render a config as formatted Python source (``cfg.pretty_text``).

The output is one ``key = value`` statement per top-level key, in the
``dict(type='ResNet', depth=50)`` style of MMClassification configs, wrapped
to fit 79 columns, and re-loads to an equal config.  No formatter package is
needed.

Values that a Python literal cannot express (classes, functions, arbitrary
objects) are written as strings (the dotted import path of a class or
function, else ``repr``), so the text is always valid Python even though such
values do not re-load to the same object.
"""
from __future__ import annotations

import keyword
import math
import re
from typing import Any, Iterable, List, Mapping

__all__ = ['format_config']

LINE_WIDTH = 79
INDENT = 4
_BETWEEN_BRACES = re.compile(r'(?<=\{)(?=\{)')


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _format_str(text: str) -> str:
    """``repr`` of a string, never containing ``{{`` (which the loader would substitute)."""
    pieces = _BETWEEN_BRACES.split(text)
    # 'a{{b' -> 'a{' '{b': adjacent literals concatenate to the same value.
    return ' '.join(repr(p) for p in pieces) if len(pieces) > 1 else repr(text)


def _format_float(value: float) -> str:
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return '1e999' if value > 0 else '-1e999'  # literals that overflow to +/-inf
    return repr(value)


def _format_other(value: Any) -> str:
    if isinstance(value, type) or callable(value) and hasattr(value, '__qualname__'):
        return _format_str(f'{value.__module__}.{value.__qualname__}')
    return _format_str(repr(value))


class _Formatter:
    """Formats values; ``use_dict_call`` picks ``dict(a=1)`` over ``{'a': 1}`` when keys allow."""

    def __init__(self, use_dict_call: bool = True):
        self.use_dict_call = use_dict_call

    def as_call(self, mapping: Mapping) -> bool:
        return self.use_dict_call and all(_is_identifier(k) for k in mapping)

    def flat(self, value: Any) -> str:
        """The one-line form of ``value``."""
        if isinstance(value, Mapping):
            if self.as_call(value):
                return 'dict(' + ', '.join(f'{k}={self.flat(v)}' for k, v in value.items()) + ')'
            return '{' + ', '.join(f'{self.flat(k)}: {self.flat(v)}' for k, v in value.items()) + '}'
        if isinstance(value, list):
            return '[' + ', '.join(self.flat(v) for v in value) + ']'
        if type(value) is tuple:
            if len(value) == 1:
                return f'({self.flat(value[0])},)'
            return '(' + ', '.join(self.flat(v) for v in value) + ')'
        if isinstance(value, (set, frozenset)):
            items = ', '.join(self.flat(v) for v in value)
            body = '{' + items + '}' if value else 'set()'
            return body if isinstance(value, set) else f'frozenset({body if value else ""})'
        if isinstance(value, str):
            return _format_str(value)
        if isinstance(value, bool) or value is None:
            return repr(value)
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return _format_float(value)
        return _format_other(value)

    def block(self, value: Any, indent: int, column: int) -> str:
        """``value`` starting at ``column`` of a line indented by ``indent``; wrapped if too long."""
        flat = self.flat(value)
        if column + len(flat) <= LINE_WIDTH or not value or not isinstance(value, (Mapping, list, tuple)):
            return flat
        inner = indent + INDENT
        pad = ' ' * inner
        lines: List[str] = []
        if isinstance(value, Mapping):
            as_call = self.as_call(value)
            opener, closer = ('dict(', ')') if as_call else ('{', '}')
            for key, item in value.items():
                head = f'{key}=' if as_call else f'{self.flat(key)}: '
                lines.append(pad + head + self.block(item, inner, inner + len(head) + 1) + ",")
        else:
            opener, closer = ('[', ']') if isinstance(value, list) else ('(', ')')
            lines.extend(pad + self.block(item, inner, inner + 1) + "," for item in value)
        return opener + '\n' + '\n'.join(lines) + '\n' + ' ' * indent + closer


def _check_top_level_keys(keys: Iterable[Any]) -> None:
    for key in keys:
        if not _is_identifier(key) or key.startswith('_'):
            raise ValueError(f'config key {key!r} cannot be written as a Python config variable '
                             '(top-level keys must be identifiers not starting with "_")')


def format_config(cfg: Mapping[str, Any]) -> str:
    """Python source that defines every top-level key of ``cfg``.

    Raises:
        ValueError: a top-level key is not a valid, public Python name.
    """
    _check_top_level_keys(cfg.keys())
    # A config key called ``dict`` would shadow the builtin used by later lines.
    formatter = _Formatter(use_dict_call='dict' not in cfg)
    statements = [f'{key} = ' + formatter.block(value, 0, len(key) + 3) for key, value in cfg.items()]
    return '\n'.join(statements) + '\n'
