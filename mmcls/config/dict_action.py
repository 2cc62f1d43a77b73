"""Parsing of ``--cfg-options KEY=VALUE ...`` command-line overrides.

Values are read the way MMEngine's ``DictAction`` reads them:

* ``1`` -> int, ``0.`` / ``1e-4`` -> float, ``true``/``false`` -> bool
  (any case), ``none`` -> None, anything else -> str;
* ``[a,b]`` -> list, ``(1,3)`` -> tuple, nested ``[(a,b),(c,d)]``;
  spaces around items are ignored, ``(1,)`` is a one-item tuple;
* ``a,b`` (a top-level comma) -> list ``['a', 'b']``;
* quotes around the whole value are dropped (``"(1,3)"`` is the tuple, as
  when a shell removes them); a quoted item inside a list/tuple
  (``['a, b',c]``) is a string kept verbatim, commas and brackets included.
"""
from __future__ import annotations

import argparse
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ['DictAction', 'parse_cfg_value', 'parse_cfg_options']

_CLOSERS = {'[': ']', '(': ')'}


def _parse_scalar(text: str) -> Any:
    """int, float, bool, None or the text itself."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    lowered = text.lower()
    if lowered in ('true', 'false'):
        return lowered == 'true'
    if lowered == 'none':
        return None
    return text


class _ValueParser:
    """A small recursive-descent parser over one option value."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def error(self, message: str) -> ValueError:
        return ValueError(f'{message} at position {self.pos} of {self.text!r}')

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse_top(self) -> Any:
        items, trailing_comma = self.parse_items(closer=None)
        if self.pos != len(self.text):
            raise self.error(f'unexpected {self.text[self.pos]!r}')
        if len(items) == 1 and not trailing_comma:
            return items[0]
        return items

    def parse_items(self, closer: Optional[str]) -> Tuple[List[Any], bool]:
        """Comma-separated values up to ``closer`` (or the end of the text)."""
        items: List[Any] = []
        trailing_comma = False
        self.skip_spaces()
        if closer is not None and self.peek() == closer:
            return items, False
        while True:
            items.append(self.parse_value())
            self.skip_spaces()
            if self.peek() != ',':
                return items, trailing_comma
            self.pos += 1
            self.skip_spaces()
            if self.peek() == closer or (closer is None and self.pos == len(self.text)):
                return items, True

    def peek(self) -> Optional[str]:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def parse_value(self) -> Any:
        self.skip_spaces()
        char = self.peek()
        if char in _CLOSERS:
            return self.parse_sequence(char)
        if char in ('"', "'"):
            return self.parse_quoted(char)
        if char in (']', ')'):
            raise self.error(f'unbalanced {char!r}')
        return self.parse_bare()

    def parse_sequence(self, opener: str) -> Any:
        closer = _CLOSERS[opener]
        start = self.pos
        self.pos += 1
        items, trailing_comma = self.parse_items(closer)
        self.skip_spaces()
        if self.peek() != closer:
            self.pos = start
            raise self.error(f'{opener!r} is never closed with {closer!r}')
        self.pos += 1
        if opener == '[':
            return items
        return tuple(items)

    def parse_quoted(self, quote: str) -> str:
        end = self.text.find(quote, self.pos + 1)
        if end < 0:
            raise self.error(f'unterminated quote {quote}')
        value = self.text[self.pos + 1:end]
        self.pos = end + 1
        return value

    def parse_bare(self) -> Any:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ',[]()':
            self.pos += 1
        if self.peek() in ('[', '('):
            raise self.error(f'unexpected {self.peek()!r} inside a value')
        return _parse_scalar(self.text[start:self.pos].strip())


def parse_cfg_value(text: str) -> Any:
    """Turn the VALUE of one ``KEY=VALUE`` option into a Python value (rules above).

    Raises:
        ValueError: on unbalanced brackets or quotes.
    """
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in '"\'' \
            and stripped[0] not in stripped[1:-1]:
        text = stripped[1:-1]
    return _ValueParser(text).parse_top()


def parse_cfg_options(items: Sequence[str]) -> Dict[str, Any]:
    """Parse ``['a.b=1', 'c=[1,2]']`` into ``{'a.b': 1, 'c': [1, 2]}``.

    Raises:
        ValueError: naming the item when it has no ``=``, no key, or a
            malformed value.
    """
    options: Dict[str, Any] = {}
    for item in items:
        key, sep, raw_value = item.partition('=')
        key = key.strip()
        if not sep or not key:
            raise ValueError(f'config option {item!r} must look like KEY=VALUE '
                             "(e.g. 'model.backbone.depth=101')")
        try:
            options[key] = parse_cfg_value(raw_value)
        except ValueError as err:
            raise ValueError(f'config option {item!r} has a malformed value: {err}') from err
    return options


class DictAction(argparse.Action):
    """argparse action collecting ``KEY=VALUE`` items into a dict.

    Use as ``parser.add_argument('--cfg-options', nargs='+', action=DictAction)``;
    repeated flags accumulate.  A malformed item is reported by argparse as an
    error of this option.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: Optional[str] = None) -> None:
        options = dict(getattr(namespace, self.dest, None) or {})
        items = [values] if isinstance(values, str) else list(values or [])
        try:
            options.update(parse_cfg_options(items))
        except ValueError as err:
            raise argparse.ArgumentError(self, str(err)) from err
        setattr(namespace, self.dest, options)
