"""Write a config as ``.py``, ``.json`` or ``.yaml``/``.yml`` text.

JSON and YAML have no tuples: tuples are written as lists.  Values that the
format cannot hold (classes, arbitrary objects) raise ``TypeError`` naming
them, rather than being written in a form that would not load back.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from .config_dict import plain_value
from .pretty_text import format_config

__all__ = ['dump_config_text']

DUMP_FORMATS = ('py', 'json', 'yaml', 'yml')


def _tuples_to_lists(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _tuples_to_lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tuples_to_lists(v) for v in value]
    return value


def dump_config_text(cfg: Mapping[str, Any], file_format: str) -> str:
    """The text of ``cfg`` in ``file_format`` (``'py'``, ``'json'``, ``'yaml'`` or ``'yml'``)."""
    file_format = file_format.lstrip('.').lower()
    if file_format == 'py':
        return format_config(cfg)
    data = _tuples_to_lists(plain_value(cfg))
    if file_format == 'json':
        try:
            return json.dumps(data, indent=4, ensure_ascii=False) + '\n'
        except (TypeError, ValueError) as err:
            raise TypeError(f'config cannot be written as JSON: {err}') from err
    if file_format in ('yaml', 'yml'):
        import yaml  # only needed for yaml output

        try:
            return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
        except yaml.representer.RepresenterError as err:
            raise TypeError(f'config cannot be written as YAML: {err}') from err
    raise ValueError(f'unknown config format {file_format!r}; use one of {", ".join(DUMP_FORMATS)}')
